import BackupModel
import Logging

/// Writes state changes as structured log entries: one entry per change, with the metadata keys
/// the journald handler turns into fields (`TARGET`, `VENDOR`, `JOB_ID`, `JOB_NAME`, `RUN_ID`,
/// `STATE`, `REASON`, `MESSAGE_ID`, `VENDOR_MESSAGE`) and the same keys in logfmt/json when not under journald.
public struct EventLog: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func record(_ change: StateChange) {
        switch change {
        case .targetDown(let target, let vendor, let reason, let message):
            emit(.targetDown, "target \(target) is down: \(message)", [
                "target": "\(target)", "vendor": "\(vendor.rawValue)", "reason": "\(reason.rawValue)",
            ])
        case .targetUp(let target, let vendor):
            emit(.targetUp, "target \(target) is up again", ["target": "\(target)", "vendor": "\(vendor.rawValue)"])
        case .jobState(let target, let vendor, let jobID, let jobName, let runID, let from, let to, let vendorStatus, let vendorMessage):
            var metadata: Logger.Metadata = [
                "target": "\(target)", "vendor": "\(vendor.rawValue)", "job_id": "\(jobID)", "job_name": "\(jobName)",
                "run_id": "\(runID)", "state": "\(to.rawValue)",
            ]
            if let from { metadata["previous_state"] = "\(from.rawValue)" }
            if let vendorStatus { metadata["vendor_status"] = "\(vendorStatus)" }
            // The vendor's own words, for the finished states an operator acts on; journald
            // carries them as VENDOR_MESSAGE=, never as a metric label.
            if let vendorMessage, to == .failed || to == .warning || to == .cancelled || to == .unknown {
                metadata["vendor_message"] = "\(vendorMessage)"
            }
            let label = jobName.isEmpty ? jobID : jobName
            let text: String
            switch to {
            case .unknown: text = "job \(label) on \(target) reports a status this version does not know: \(vendorStatus ?? "(none)")"
            case .running: text = "job \(label) on \(target) is running"
            case .waiting: text = "job \(label) on \(target) is waiting"
            default: text = "job \(label) on \(target) \(to.rawValue)"
            }
            emit(.forJob(to), text, metadata)
        }
    }

    public func configReloaded(targets: Int) {
        emit(.configReloaded, "configuration loaded with \(targets) targets", ["targets": "\(targets)"])
    }

    public func configRejected(_ error: String) {
        emit(.configRejected, "configuration rejected, keeping the previous one: \(error)", ["reason": "config"])
    }

    private func emit(_ kind: EventKind, _ message: String, _ metadata: Logger.Metadata) {
        var metadata = metadata
        metadata["message_id"] = "\(kind.messageID)"
        metadata["event"] = "\(kind.rawValue)"
        logger.log(level: kind.level, "\(message)", metadata: metadata)
    }
}
