import BackupModel

/// One Veeam Backup for Microsoft 365 job session (`GET /v<N>/JobSessions`), normalised
/// (`vendors/veeam_m365.md`).
///
/// What a reader could get wrong:
/// - `progress` counts objects processed so far, it is not a percentage: it goes to
///   `objectCount` (falling back to `statistics.processedObjects`), and `progressPercent` stays
///   absent. The model reads 100 for a run that succeeded or warned.
/// - Times are ISO-8601 with 7 fractional digits and `Z`; older servers sent an offset instead
///   (`-07:00`). A session that has not finished may carry a placeholder `endTime`, so the end is
///   only read once the status says the session is over.
/// - `Disconnected` and `NotConfigured` are real status words that say nothing about the data:
///   they map to `unknown`, never to failed.
/// - `details` (free text) and `jobWillBeRetried` (v7 and v8) are the vendor's words about a
///   failed or warned session: `messageParts` holds them for such a session only, and the adapter
///   turns them into the run's vendor message with the target's secrets redacted.
struct VeeamM365Session: Sendable, Equatable {
    /// What `jobWillBeRetried: true` adds to the vendor message.
    static let retryNote = "Veeam will retry the job"

    /// Only v8 sends it; before, the job is known from the request.
    var jobID: String?
    var run: ObservedRun
    /// `details` and the retry note of a failed or warned session; empty otherwise.
    var messageParts: [String]

    init(json: JSONValue, context: String) throws(PollError) {
        guard json.object != nil else { throw PollError(.decode, "\(context): expected a job session object") }
        guard let id = json["id"]?.string, !id.isEmpty else {
            throw PollError(.decode, "\(context): job session without id")
        }
        jobID = json["jobId"]?.string
        let word = json["status"]?.string ?? ""
        let state = Self.state(for: word)
        let statistics = json["statistics"]
        let start = json["creationTime"]?.string.flatMap { VendorTime.iso8601($0) }
        var end: Double?
        if state.isFinished || state == .unknown, let text = json["endTime"]?.string, let value = VendorTime.iso8601(text) {
            // .NET's DateTime.MinValue or a clock step back must not give a negative duration.
            end = start.map { value >= $0 ? value : nil } ?? value
        }
        run = ObservedRun(
            id: id,
            state: state,
            progressPercent: nil,
            startTime: start,
            endTime: end,
            durationSeconds: nil,
            sizeBytes: statistics?["transferredDataBytes"]?.double,
            objectCount: json["progress"]?.double ?? statistics?["processedObjects"]?.double,
            vendorStatus: word.isEmpty ? "none" : word)
        var parts: [String] = []
        if state == .failed || state == .warning {
            if let details = json["details"]?.string { parts.append(details) }
            if json["jobWillBeRetried"]?.bool == true { parts.append(Self.retryNote) }
        }
        messageParts = parts
    }

    /// The mapping table of `vendors/veeam_m365.md`. Words are compared without regard to case;
    /// anything else is `unknown`.
    static func state(for word: String) -> JobState {
        switch word.lowercased() {
        case "queued": .waiting
        case "running": .running
        case "success": .succeeded
        case "warning": .warning
        case "failed": .failed
        case "stopped": .cancelled
        default: .unknown  // Disconnected, NotConfigured, and words of later versions
        }
    }
}
