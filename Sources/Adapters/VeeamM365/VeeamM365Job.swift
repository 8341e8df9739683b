import BackupModel

/// One Veeam Backup for Microsoft 365 backup job as `GET /v<N>/Jobs` lists it (the seed's
/// `/Jobs/{id}` reference: `id`, `name`, `lastRun`, `nextRun`, `isEnabled`, `lastStatus`, ...).
///
/// What the job definition says beyond its name:
/// - `isEnabled` → `enabled` (absent or null: not said);
/// - `nextRun` → `nextRunTime`: ISO-8601, with or without fractional digits (the seed's example
///   has none, sessions have seven), `Z` or an offset; null for a job without a schedule;
/// - `lastStatus` (+ `lastRun`, when the last run started) → `summaryRun`, mapped with the same
///   table as a session's `status` (the SDK's `RESTJobLastStatus` has the same words as
///   `RESTJobSessionStatus`). It is what the job shows when its sessions were purged. Its id is
///   the job id with `#lastRun`, never a session id, so it cannot be counted as one.
///
/// A time before 1970 (.NET's `DateTime.MinValue` for "never") is taken as absent.
struct VeeamM365Job: Sendable, Equatable {
    var id: String
    var name: String
    var enabled: Bool?
    var nextRunTime: Double?
    var summaryRun: ObservedRun?

    init(json: JSONValue, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a job object") }
        guard let id = json["id"]?.string, !id.isEmpty else {
            throw PollError(.decode, "\(context): job without id")
        }
        self.id = id
        name = json["name"]?.string ?? ""
        enabled = json["isEnabled"]?.bool
        nextRunTime = Self.time(json["nextRun"])
        if let word = json["lastStatus"]?.string, !word.isEmpty {
            summaryRun = ObservedRun(
                id: id + "#lastRun", state: VeeamM365Session.state(for: word), startTime: Self.time(json["lastRun"]),
                vendorStatus: word)
        }
    }

    /// An ISO-8601 time as Unix seconds; nil when absent, null, unreadable or before 1970.
    static func time(_ value: JSONValue?) -> Double? {
        guard let text = value?.string, let seconds = VendorTime.iso8601(text), seconds > 0 else { return nil }
        return seconds
    }
}
