import BackupModel

/// What the store holds for one target, configured or not: a target removed by a reload keeps
/// its record in memory so pending writes still reach the disk and a re-added target resumes.
struct TargetRecord {
    /// Outcome of the last poll since this process started; decides which transitions are news.
    enum PollOutcome {
        case none
        case succeeded
        case failed
    }

    var health: TargetHealth
    var pollsTotal: UInt64 = 0
    var pollErrors: [FailureReason: UInt64] = Dictionary(uniqueKeysWithValues: FailureReason.allCases.map { ($0, 0) })
    var jobs: [String: JobRecord]
    var lastOutcome: PollOutcome = .none
    /// Clock time of the last write of this target's row in this process; nil until the first.
    var lastSuccessWrittenAt: Double?
    /// Set when the persisted rows could not be read: the target then works from memory only and
    /// is never written, so that an empty picture cannot overwrite the history on disk.
    var persistenceDisabled = false

    init(lastSuccessTime: Double? = nil, jobs: [String: JobRecord] = [:]) {
        self.health = TargetHealth(up: false, reason: nil, lastSuccessTime: lastSuccessTime)
        self.jobs = jobs
    }
}
