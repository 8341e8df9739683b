import BackupModel
import Logging

/// The kinds of journald entries alerting filters on, each with a fixed 128-bit `MESSAGE_ID`
/// (documented in the README and, for `journalctl -x`, in the catalog). These ids are an
/// interface: never change one, only add new kinds.
public enum EventKind: String, CaseIterable, Sendable {
    case jobSucceeded = "job_succeeded"
    case jobWarning = "job_warning"
    case jobFailed = "job_failed"
    case jobCancelled = "job_cancelled"
    case jobRunning = "job_running"
    case jobWaiting = "job_waiting"
    case jobUnknown = "job_unknown"
    case targetDown = "target_down"
    case targetUp = "target_up"
    case configReloaded = "config_reloaded"
    case configRejected = "config_rejected"

    public var messageID: String {
        switch self {
        case .jobSucceeded: "724b8a97834d498086a6134eedc2087d"
        case .jobWarning: "cfddb2768bca4a1aa8c3d60215832150"
        case .jobFailed: "59a7faebb58949018dba907612d0e7d8"
        case .jobCancelled: "252ee2cab5cf4e319c4cc47ca0baec9c"
        case .jobRunning: "0716aa8d5e0c4584816f3091b97db1aa"
        case .jobWaiting: "df5d429efb964b21825ec81163e985d6"
        case .jobUnknown: "cacca9f9aa194065a14984d7f86b9379"
        case .targetDown: "8e29db717a8640e8b419a3cd8889af90"
        case .targetUp: "f2a0b975864c4457b68ad4f2680fa493"
        case .configReloaded: "46ad262da5db453fa50a2885464c9155"
        case .configRejected: "f2e4ef50da654bc3bc0b21ec19e94b01"
        }
    }

    /// journald priority: `err` for failures, `warning` for what needs a look, `notice` for
    /// successes and recoveries, `info` for progress that needs nobody.
    public var level: Logger.Level {
        switch self {
        case .jobFailed, .configRejected: .error
        case .jobWarning, .jobCancelled, .jobUnknown, .targetDown: .warning
        case .jobSucceeded, .targetUp, .configReloaded: .notice
        case .jobRunning, .jobWaiting: .info
        }
    }

    public static func forJob(_ state: JobState) -> EventKind {
        switch state {
        case .succeeded: .jobSucceeded
        case .warning: .jobWarning
        case .failed: .jobFailed
        case .cancelled: .jobCancelled
        case .running: .jobRunning
        case .waiting: .jobWaiting
        case .unknown: .jobUnknown
        }
    }
}
