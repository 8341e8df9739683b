import BackupModel
import Foundation

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
struct CommvaultJobSummary: Sendable, Equatable {
    /// `clientId/backupsetId/subclientId`: ids survive renames, names do not.
    var jobID: String
    /// `clientName/backupsetName/subclientName`, what an operator reads in the Command Center.
    var jobName: String
    var run: ObservedRun
    /// Newest first: `jobStartTime`, then the numeric job id (ids grow with submission).
    var sortKey: (start: Double, jobNumber: Double)

    static func == (lhs: CommvaultJobSummary, rhs: CommvaultJobSummary) -> Bool {
        lhs.jobID == rhs.jobID && lhs.jobName == rhs.jobName && lhs.run == rhs.run
    }

    /// Status words as the API reference lists them, lower-cased for a case-insensitive match.
    /// The errors case is a warning unless the operator asked for failed (`errors_as_failed`).
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
        "completed": .succeeded,
        "committed": .succeeded,
        "completed w/ one or more errors": .warning,
        "completed w/ one or more warnings": .warning,
        "failed": .failed,
        "failed to start": .failed,
        "abnormal terminated cleanup": .failed,
        "killed": .cancelled,
        "interrupted": .cancelled,
    ]

    static func state(for status: String, errorsAsFailed: Bool) -> JobState {
        let word = status.trimmingCharacters(in: .whitespaces).lowercased()
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
        sortKey = (start ?? positive("lastUpdateTime") ?? 0, summary["jobId"]?.double ?? 0)
    }
}
