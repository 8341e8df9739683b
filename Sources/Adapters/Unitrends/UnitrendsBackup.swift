import BackupModel
import FoundationEssentials

/// One Unitrends backup from `POST /api/backups`, normalised (`vendors/unitrends.md`).
///
/// What a reader could get wrong:
/// - `start_date_time` ("10/14/2014 09:32 am") is the appliance's local wall time with no zone;
///   the target's `timezone` says which zone that is.
/// - `size` is in MB, taken as MiB: 1 MB = 1,048,576 bytes.
/// - A terminal status word decides, whatever `complete` says (`vendors/unitrends.md`, v2):
///   `Success` succeeded, `Warning` warning, `Failure` (or `Failed`) failed. Only `None` or an
///   empty status with `complete: false` is running; `None` on a complete backup has no verdict
///   and is `unknown`, never failed. Any other word is unknown, complete or not.
/// - The job is the protected asset, `client_id` + `instance_id`; the backup id is the run. The
///   seed returns `id` only "for types with backup id": a row without one gets a stable run id
///   from what it has (`noid:` client, instance, `start_date_time` as sent, type), the same on
///   every poll, so it is counted once. (For such rows the seed says `client_id` is the DPU
///   client's id, so they may group under the appliance itself.)
/// - A failed or warned backup carries `output` (and `verify_status` when that says `Failed`)
///   as its vendor message; the adapter redacts and bounds it.
struct UnitrendsBackup: Sendable, Equatable {
    /// `client_id/instance_id`, or the client id alone for a backup of the whole client.
    var jobID: String
    /// `client_name/instance_name`, or the client name alone.
    var jobName: String
    var clientName: String?
    var instanceName: String?
    var run: ObservedRun
    /// `output`, and `verify_status` when it says Failed, for a failed or warned backup: the
    /// appliance's words, not yet redacted or bounded (the adapter knows the secrets).
    var outputParts: [String]

    static let bytesPerMB: Double = 1_048_576

    init(json: JSONValue, zone: TimeZoneRules, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a backup object") }
        let clientName = json["client_name"]?.string
        let instanceName = json["instance_name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        guard let client = json["client_id"]?.string ?? clientName, !client.isEmpty else {
            throw PollError(.decode, "\(context): backup without client_id")
        }
        let instance = json["instance_id"]?.string
        self.clientName = clientName
        self.instanceName = instanceName
        jobID = instance.map { "\(client)/\($0)" } ?? client
        jobName = [clientName ?? client, instanceName].compactMap { $0 }.joined(separator: "/")
        let id: String
        if let given = json["id"]?.string, !given.isEmpty {
            id = given
        } else {
            id = Self.derivedID(jobID: jobID, start: json["start_date_time"]?.string, type: json["type"]?.string)
        }

        let word = json["status"]?.string ?? ""
        let complete = json["complete"]?.bool ?? true
        let state = Self.state(word: word, complete: complete)
        let start = json["start_date_time"]?.string.flatMap { VendorTime.localDateTime($0, zone: zone) }
        // A terminal word is a finished backup even while `complete` is false: its duration is then
        // the appliance's own figure for the finished run.
        let duration = complete || state.isFinished ? json["duration"]?.string.flatMap(VendorTime.duration) : nil
        run = ObservedRun(
            id: id,
            state: state,
            progressPercent: nil,
            startTime: start,
            endTime: start.flatMap { s in duration.map { s + $0 } },
            durationSeconds: duration,
            sizeBytes: json["size"]?.double.map { $0 * Self.bytesPerMB },
            objectCount: json["files"]?.double,
            vendorStatus: word.isEmpty ? "none" : word)
        if state == .failed || state == .warning {
            var parts = [json["output"]?.string].compactMap { $0 }
            if let verify = json["verify_status"]?.string, verify.lowercased() == "failed" {
                parts.append("verify_status: \(verify)")
            }
            outputParts = parts
        } else {
            outputParts = []
        }
    }

    /// The run id of a row without `id`: the asset, the start as the appliance wrote it, and the
    /// type (a full and an incremental may start in the same minute).
    static func derivedID(jobID: String, start: String?, type: String?) -> String {
        "noid:\(jobID)@\(start ?? "")#\(type ?? "")"
    }

    /// The mapping table of `vendors/unitrends.md` (v2); words compared without regard to case.
    /// A terminal word decides whatever `complete` says; only no verdict (`None`, empty) on an
    /// incomplete backup is running.
    static func state(word: String, complete: Bool) -> JobState {
        switch word.trimmingWhitespace().lowercased() {
        case "success": return .succeeded
        case "warning": return .warning
        case "failure", "failed": return .failed
        case "none", "": return complete ? .unknown : .running
        default: return .unknown  // words this version does not know
        }
    }
}
