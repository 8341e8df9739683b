/// The seven normalised states of a run (`spec/model.md`). Alert rules are written against these
/// words only, so adapters map every vendor word into one of them and never guess: a word they
/// do not recognise becomes `unknown`.
public enum JobState: String, CaseIterable, Sendable, Codable, Hashable {
    case waiting
    case running
    case succeeded
    case warning
    case failed
    case cancelled
    case unknown

    /// The result a finished run is counted under, or nil while it is not finished (or unknown).
    public var result: RunResult? {
        switch self {
        case .succeeded: .succeeded
        case .warning: .warning
        case .failed: .failed
        case .cancelled: .cancelled
        case .waiting, .running, .unknown: nil
        }
    }

    /// True once the run can no longer change.
    public var isFinished: Bool { result != nil }
}

/// How a finished run ended: the `result` label of `backup_job_runs_total`.
public enum RunResult: String, CaseIterable, Sendable, Codable, Hashable {
    case succeeded
    case warning
    case failed
    case cancelled

    /// Succeeded and warning both left a usable backup, so both move "last success".
    public var protectedData: Bool { self == .succeeded || self == .warning }
}
