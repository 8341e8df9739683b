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
    }

    /// How many counted run ids are kept per job, newest by counting order. Vendors list far fewer
    /// runs per job than this in one answer (a page, or the last few days), so an id only falls out
    /// after it has long stopped being listed; were a pruned id listed again it would be counted a
    /// second time. The cap keeps the table from growing forever for a job that runs every minute.
    static let countedRunLimit = 2_000

    var row: Row
    private(set) var countedRunIDs: Set<String>
    /// Oldest first, in the order the runs were counted.
    private(set) var countedOrder: [String]
    /// The sequence number the next counted run gets; persisted implicitly as max(sequence) + 1.
    private(set) var nextSequence: Int64

    init(row: Row, counted: [(runID: String, sequence: Int64)] = []) {
        self.row = row
        self.countedOrder = counted.map(\.runID)
        self.countedRunIDs = Set(countedOrder)
        self.nextSequence = (counted.last?.sequence ?? -1) + 1
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
    /// failure time forward (never back). Returns the sequence to persist when the run was new.
    mutating func observe(_ run: ObservedRun) -> Int64? {
        guard let result = run.state.result else { return nil }
        moveHistoryTimes(for: run, result: result)
        guard countedRunIDs.insert(run.id).inserted else { return nil }
        row.history.runsByResult[result, default: 0] += 1
        countedOrder.append(run.id)
        let sequence = nextSequence
        nextSequence += 1
        if countedOrder.count > Self.countedRunLimit {
            let excess = countedOrder.count - Self.countedRunLimit
            countedOrder.prefix(excess).forEach { countedRunIDs.remove($0) }
            countedOrder.removeFirst(excess)
        }
        return sequence
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
    func hasCounted(_ id: String) -> Bool { countedRunIDs.contains(id) }

    /// Every counted run id still kept, with its sequence, oldest first: what a rewrite of the
    /// whole store inserts. Sequences are handed out one by one and pruned from the oldest, so the
    /// kept ones are the last `countedOrder.count` before `nextSequence`.
    var countedRuns: [PendingWrites.CountedRun] {
        let first = nextSequence - Int64(countedOrder.count)
        return countedOrder.enumerated().map { PendingWrites.CountedRun(runID: $1, sequence: first + Int64($0)) }
    }

    /// Counted runs with a sequence below this are pruned from the database.
    var oldestKeptSequence: Int64 { nextSequence - Int64(Self.countedRunLimit) }
}
