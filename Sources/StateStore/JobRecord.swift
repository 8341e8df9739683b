import BackupModel

/// What the store holds for one job: the persisted row plus the ids of the runs already counted.
struct JobRecord {
    /// The fields of the `job` row; a change of any of them is what makes the row worth writing.
    struct Row: Equatable {
        var name: String
        var lastRun: ObservedRun?
        var history: JobHistory
        /// False once the vendor stopped listing the job: hidden from snapshots, kept for its history.
        var listed: Bool
        var enabled: Bool? = nil
        var nextRunTime: Double? = nil
        /// The newest time (end, else start) of a counted run whose id was pruned: a finished run
        /// not remembered and no newer than this is one already counted and forgotten, or one so
        /// old that `countedRunLimit` newer runs were counted since; either way it is not counted.
        var forgottenThrough: Double? = nil
    }

    /// How many counted run ids are kept per job, oldest pruned first. Pruning cannot make a run
    /// count twice: a pruned run's time moves `forgottenThrough`, and a finished run that is not
    /// remembered and no newer than that is never counted (runs are counted oldest first within
    /// a poll, so a first poll that lists more runs than this still counts them all). The cap
    /// only has to exceed how many runs of one job a vendor lists with the very same time; it
    /// bounds the table at this many rows per job (128,000 rows at 1,000 jobs). A finished run
    /// without any time falls back to the cap alone; none of the five vendors gives one (ECLYPSE
    /// runs get the poll's time, see `StateLedger.stampEnd`).
    static let countedRunLimit = 128

    var row: Row
    /// Oldest first, in the order the runs were counted, with the time each was counted by.
    private var counted = CountedRunIDs(limit: JobRecord.countedRunLimit)
    /// The sequence number the next counted run gets; persisted implicitly as max(sequence) + 1.
    private(set) var nextSequence: Int64

    /// For ids counted by a build that kept no run times (schema 2): no run counted before this
    /// record was loaded is newer than the newest time the job's row held then.
    private let timelessBound: Double?

    /// `counted` oldest first, as the store read it; beyond the newest `countedRunLimit` (schema 2
    /// kept more) the oldest are forgotten here, as if pruned.
    init(row: Row, counted loaded: [(runID: String, sequence: Int64, time: Double?)] = []) {
        self.row = row
        self.nextSequence = (loaded.last?.sequence ?? -1) + 1
        self.timelessBound = [row.history.lastSuccessTime, row.history.lastFailureTime, row.lastRun?.endTime, row.lastRun?.startTime]
            .compactMap { $0 }.max()
        for run in loaded {
            if let pruned = counted.append(run.runID, time: run.time) { forget(pruned) }
        }
    }

    init(name: String, firstSeen: Double) {
        var history = JobRecord.emptyHistory
        history.firstSeenTime = firstSeen
        self.init(row: Row(name: name, lastRun: nil, history: history, listed: true))
    }

    /// Every result present with zero, so `backup_job_runs_total` exists for every result before
    /// the first run of that kind and `increase()` sees the first one.
    static var emptyHistory: JobHistory {
        JobHistory(runsByResult: Dictionary(uniqueKeysWithValues: RunResult.allCases.map { ($0, 0) }))
    }

    /// Counts `run` if it is finished and its id was never counted, and moves the last success or
    /// failure time forward (never back). Returns what to persist when the run was new.
    mutating func observe(_ run: ObservedRun) -> PendingWrites.CountedRun? {
        guard let result = run.state.result else { return nil }
        moveHistoryTimes(for: run, result: result)
        guard !counted.contains(run.id) else { return nil }
        let time = run.endTime ?? run.startTime
        if let time, let forgotten = row.forgottenThrough, time <= forgotten { return nil }
        row.history.runsByResult[result, default: 0] += 1
        if let pruned = counted.append(run.id, time: time) { forget(pruned) }
        let sequence = nextSequence
        nextSequence += 1
        return PendingWrites.CountedRun(runID: run.id, sequence: sequence, time: time)
    }

    /// A pruned run's time moves `forgottenThrough`, so it can never be counted again.
    private mutating func forget(_ pruned: (id: String, time: Double?)) {
        if let time = pruned.time ?? timelessBound { row.forgottenThrough = max(row.forgottenThrough ?? time, time) }
    }

    /// Moves the last success or failure time forward (never back) for a finished run.
    mutating func moveHistoryTimes(for run: ObservedRun, result: RunResult) {
        guard let time = run.endTime ?? run.startTime else { return }
        if result.protectedData {
            row.history.lastSuccessTime = max(row.history.lastSuccessTime ?? time, time)
        } else if result == .failed {
            row.history.lastFailureTime = max(row.history.lastFailureTime ?? time, time)
        }
    }

    /// Whether `id` was counted already (and is still remembered).
    func hasCounted(_ id: String) -> Bool { counted.contains(id) }

    /// Every counted run id still kept, with its sequence, oldest first: what a rewrite of the
    /// whole store inserts. Sequences are handed out one by one and pruned from the oldest, so the
    /// kept ones are the last `counted.count` before `nextSequence`.
    var countedRuns: [PendingWrites.CountedRun] {
        let first = nextSequence - Int64(counted.count)
        return counted.inOrder.enumerated().map { PendingWrites.CountedRun(runID: $1.id, sequence: first + Int64($0), time: $1.time) }
    }

    /// Counted runs with a sequence below this are pruned from the database.
    var oldestKeptSequence: Int64 { nextSequence - Int64(Self.countedRunLimit) }
}
