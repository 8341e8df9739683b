import BackupModel
import FoundationEssentials

/// One ECLYPSE backup job's answer, normalised (`vendors/eclypse.md`). The controller reports
/// only two properties: `Progress` (an integer 0-100) and `Status` ("OK" on success, otherwise
/// a word saying it failed). There are no times, sizes or names, and no separate run: the job id
/// is both the job and its one run.
///
/// JSON spells the properties `progress`/`status`, XML `Progress`/`Status`; both spellings are
/// accepted in either format, so the same job reads the same from either.
struct EclypseJob: Sendable, Equatable {
    var progress: Double?
    var status: String?

    init(progress: Double?, status: String?) {
        self.progress = progress
        self.status = status
    }

    init(json: JSONValue, context: String) throws(PollError) {
        guard let object = json.object else { throw PollError(.decode, "\(context): expected a job object") }
        let lowered = Dictionary(object.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        progress = lowered["progress"]?.double
        status = lowered["status"]?.string
    }

    /// `<Job><Status>OK</Status><Progress>100</Progress></Job>`.
    init(xml root: XMLTree, context: String) throws(PollError) {
        guard root.name.lowercased() == "job" else {
            throw PollError(.decode, "\(context): expected a <Job> element, got <\(root.name)>")
        }
        progress = root.child(caseInsensitive: "Progress").flatMap { Double($0.text.trimmingWhitespace()) }
        status = root.child(caseInsensitive: "Status")?.text
    }

    /// The mapping of the vendor note: `OK` → succeeded; an empty status with progress below 100
    /// → running, or waiting at 0; any other status word → failed (the API documents no other
    /// success word). No status and no progress, or 100 without "OK", says nothing we can map:
    /// unknown, never a guess.
    func run(jobID: String) -> ObservedRun {
        let word = status?.trimmingWhitespace() ?? ""
        let clamped = progress.flatMap { $0.isFinite ? min(100, max(0, $0)) : nil }
        let state: JobState
        if word.lowercased() == "ok" {
            state = .succeeded
        } else if !word.isEmpty {
            state = .failed
        } else if let clamped, clamped < 100 {
            state = clamped == 0 ? .waiting : .running
        } else {
            state = .unknown
        }
        return ObservedRun(
            id: jobID,
            state: state,
            progressPercent: state == .succeeded ? 100 : clamped,
            vendorStatus: word.isEmpty ? (state == .unknown ? "(no status)" : nil) : word
        )
    }
}
