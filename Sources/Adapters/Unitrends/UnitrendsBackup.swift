import BackupModel
import Foundation

/// One Unitrends backup from `POST /api/backups`, normalised (`vendors/unitrends.md`).
///
/// What a reader could get wrong:
/// - `start_date_time` ("10/14/2014 09:32 am") is the appliance's local wall time with no zone;
///   the target's `timezone` says which zone that is.
/// - `size` is in MB, taken as MiB: 1 MB = 1,048,576 bytes.
/// - A backup still running says `complete: false` (its status word is usually `None`); a
///   complete backup with `None` has no verdict and is `unknown`, never failed.
/// - The job is the protected asset, `client_id` + `instance_id`; the backup id is the run.
struct UnitrendsBackup: Sendable, Equatable {
    /// `client_id/instance_id`, or the client id alone for a backup of the whole client.
    var jobID: String
    /// `client_name/instance_name`, or the client name alone.
    var jobName: String
    var clientName: String?
    var instanceName: String?
    var run: ObservedRun

    static let bytesPerMB: Double = 1_048_576

    init(json: JSONValue, zone: TimeZone, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a backup object") }
        guard let id = json["id"]?.string, !id.isEmpty else { throw PollError(.decode, "\(context): backup without id") }
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

        let word = json["status"]?.string ?? ""
        let complete = json["complete"]?.bool ?? true
        let state = Self.state(word: word, complete: complete)
        let start = json["start_date_time"]?.string.flatMap { VendorTime.localDateTime($0, zone: zone) }
        let duration = complete ? json["duration"]?.string.flatMap(VendorTime.duration) : nil
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
    }

    /// The mapping table of `vendors/unitrends.md`; words compared without regard to case.
    static func state(word: String, complete: Bool) -> JobState {
        guard complete else { return .running }
        switch word.lowercased() {
        case "success": return .succeeded
        case "warning": return .warning
        case "failure": return .failed
        default: return .unknown  // None, and words this version does not know
        }
    }
}
