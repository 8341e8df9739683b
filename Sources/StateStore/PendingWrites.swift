/// Changes held in memory that have not reached the database yet. They stay here after a failed
/// write and go out with the next one, so a transient failure loses nothing.
struct PendingWrites {
    struct JobKey: Hashable {
        var target: String
        var job: String
    }

    struct CountedRun {
        var runID: String
        var sequence: Int64
        /// The run's end time, else its start: what `JobRecord.Row.forgottenThrough` moves to
        /// when the id is pruned (after a restart as well).
        var time: Double?
    }

    /// Job rows to rewrite in full from memory.
    var jobs: Set<JobKey> = []
    /// Counted run ids to insert, per job, in counting order.
    var countedRuns: [JobKey: [CountedRun]] = [:]
    /// Targets whose last success time changed since their row was last written.
    var targets: Set<String> = []
}
