import BackupModel
import FoundationEssentials

/// One Commvault `jobSummary` (a run), normalised (`vendors/commvault.md`).
///
/// JSON and XML give the same values: the XML answer carries every value as an attribute string
/// (`percentComplete="100.000000"`, `jobId="4"`), which `CommvaultJobList` turns into the same
/// `JSONValue` object the JSON answer holds, and `JSONValue.double` reads numeric strings. So one
/// normalisation serves both formats.
///
/// Fields, as the REST API reference (seed `commvault-job-details.txt`) describes them:
/// - `jobStartTime`, `lastUpdateTime` (and `jobEndTime` where the server sends it): epoch seconds;
///   0 means "not yet", never 1970.
/// - `jobElapsedTime`: seconds; taken as the duration once the run finished. While it runs the
///   figure is only as fresh as `lastUpdateTime`, so the elapsed time is left to the model.
/// - `sizeOfApplication`: bytes of application data protected (not `sizeOfMediaOnDisk`, which is
///   after deduplication and compression and includes metadata).
/// - `totalNumOfFiles`: the object count.
/// - `percentComplete`: a float, or in XML a decimal string.
/// - The end of a finished run: `jobEndTime` when the server sends it, else `lastUpdateTime`. The
///   API reference's own example has no `jobEndTime` at all, and `cvpysdk` reads
///   `lastUpdateTime` first too.
struct CommvaultJobSummary: Sendable, Equatable {
    /// `clientId/backupsetId/subclientId`: ids survive renames, names do not.
    var jobID: String
    /// `clientName/backupsetName/subclientName`, what an operator reads in the Command Center.
    var jobName: String
    var run: ObservedRun
    /// The summary's `pendingReason` ("Backup job has been suspended by user admin."), when not
    /// empty: the vendor's own words, which the adapter turns into the run's vendor message.
    var pendingReason: String?
    /// Newest first: `jobStartTime`, then the numeric job id (ids grow with submission).
    var sortKey: (start: Double, jobNumber: Double)

    static func == (lhs: CommvaultJobSummary, rhs: CommvaultJobSummary) -> Bool {
        lhs.jobID == rhs.jobID && lhs.jobName == rhs.jobName && lhs.run == rhs.run && lhs.pendingReason == rhs.pendingReason
    }

    /// Status words as the API reference lists them, lower-cased for a case-insensitive match
    /// (`vendors/commvault.md`, v2). The errors case is a warning unless the operator asked for
    /// failed (`errors_as_failed`).
    ///
    /// Which words are finished is Commvault's own call, not ours: its SDK (`cvpysdk`,
    /// `Job.is_finished`) calls a job finished exactly when its status contains "completed",
    /// "killed", "committed" or "failed", and every other word still active. Where the vendor note
    /// and that rule disagree the SDK wins, because a run wrongly taken as finished is counted once
    /// and never again (its real end under the same job id would be lost), while a run taken as
    /// not finished yet is only late. So:
    /// - `Interrupted` is waiting: an interrupted job resumes under the same job id, and its later
    ///   `Completed` is the one that counts.
    /// - `Committed` is a warning: the job was stopped but what it had backed up was committed
    ///   (usable, incomplete). Finished, as the SDK says.
    /// - `Abnormal Terminated Cleanup` is unknown, not failed as the note has it: the SDK calls it
    ///   active (the job is being cleaned up after an abnormal end, its last word is still to
    ///   come), and nothing says whether that is running or waiting. Unknown is not finished, so
    ///   the word that follows is counted once.
    /// - `Kill Pending` and `Interrupt Pending` are waiting: "kill" is not "killed".
    /// A word the table does not know is unknown (not finished) even when the SDK's substring rule
    /// would call it finished: a wrong "finished" is worse than "unknown".
    static let states: [String: JobState] = [
        "running": .running,
        "running (cannot be verified)": .running,
        "waiting": .waiting,
        "pending": .waiting,
        "queued": .waiting,
        "suspend": .waiting,
        "suspended": .waiting,
        "kill pending": .waiting,
        "interrupt pending": .waiting,
        "interrupted": .waiting,
        "completed": .succeeded,
        "committed": .warning,
        "completed w/ one or more errors": .warning,
        "completed w/ one or more warnings": .warning,
        "failed": .failed,
        "failed to start": .failed,
        "abnormal terminated cleanup": .unknown,
        "killed": .cancelled,
    ]

    static func state(for status: String, errorsAsFailed: Bool) -> JobState {
        let word = status.trimmingWhitespace().lowercased()
        if errorsAsFailed, word == "completed w/ one or more errors" { return .failed }
        return states[word] ?? .unknown
    }

    init(summary: JSONValue, errorsAsFailed: Bool, context: String) throws(PollError) {
        guard summary.object != nil else { throw PollError(.decode, "\(context): jobSummary is not an object") }
        guard let runID = summary["jobId"]?.string, !runID.isEmpty else {
            throw PollError(.decode, "\(context): jobSummary without jobId")
        }
        let subclient = summary["subclient"]
        func text(_ key: String) -> String? {
            guard let value = subclient?[key]?.string, !value.isEmpty else { return nil }
            return value
        }
        let ids = [text("clientId"), text("backupsetId"), text("subclientId")]
        let names = [
            text("clientName") ?? summary["destClientName"]?.string,
            text("backupsetName") ?? summary["backupSetName"]?.string,
            text("subclientName") ?? summary["subclientName"]?.string,
        ]
        jobName = names.map { $0 ?? "" }.joined(separator: "/")
        if ids.allSatisfy({ $0 != nil }) {
            jobID = ids.map { $0 ?? "" }.joined(separator: "/")
        } else {
            // Without the ids (an odd agent, a trimmed answer) the names are the only stable key.
            jobID = jobName
        }

        let status = summary["status"]?.string ?? ""
        let state = Self.state(for: status, errorsAsFailed: errorsAsFailed)
        let positive = { (key: String) -> Double? in
            guard let value = summary[key]?.double, value.isFinite, value > 0 else { return nil }
            return value
        }
        let start = positive("jobStartTime")
        let end: Double? = state.isFinished ? (positive("jobEndTime") ?? positive("lastUpdateTime")) : nil
        let elapsed = summary["jobElapsedTime"]?.double
        run = ObservedRun(
            id: runID,
            state: state,
            progressPercent: summary["percentComplete"]?.double,
            startTime: start,
            endTime: end,
            durationSeconds: state.isFinished ? elapsed : nil,
            sizeBytes: summary["sizeOfApplication"]?.double,
            objectCount: summary["totalNumOfFiles"]?.double,
            vendorStatus: status.isEmpty ? nil : status
        )
        pendingReason = summary["pendingReason"]?.string.flatMap { $0.trimmingWhitespace().isEmpty ? nil : $0 }
        sortKey = (start ?? positive("lastUpdateTime") ?? 0, summary["jobId"]?.double ?? 0)
    }
}
