import BackupModel

/// The store's rules, without SQLite: what a poll's outcome changes in the held state, which
/// of those changes an operator should hear about (`StateChange`), and which rows need writing
/// (`pending`). `StateStore` owns one, persists what it marks pending and serves snapshots of it;
/// this type is unit-tested on its own.
///
/// The rules, in one place:
/// - a target is announced down on the first failed poll after a success (or since start), up on
///   the first success after a failure, never on a restart;
/// - a job's last run is its newest listed run; a change of its id or state is news;
/// - a finished run is counted once, ever, by id; last success and failure times only move
///   forward; a finished run without an end time ends when a poll first saw it finished;
/// - a job listed with no run shows its definition's summary, uncounted, until a run is listed;
/// - jobs the vendor stopped listing are hidden, their history kept.
struct StateLedger {
    /// The targets a snapshot shows, in this order.
    var configured: [TargetIdentity] = []
    var records: [String: TargetRecord] = [:]
    var pending = PendingWrites()

    /// Counts a poll of a configured target; false for one a reload removed.
    mutating func pollStarted(target: String) -> Bool {
        guard records[target] != nil, configured.contains(where: { $0.name == target }) else { return false }
        records[target]?.pollsTotal += 1
        return true
    }

    /// Records a successful poll and returns what an operator should hear about.
    ///
    /// No `.targetUp` for the first success since start: after a restart the store cannot know
    /// whether the target had been down, and a restart must not announce recoveries. Jobs the
    /// vendor did not list disappear from the snapshot; their rows stay. A job id listed twice is
    /// taken from its first occurrence.
    /// Nil when `target` is not configured (a reload removed it while its poll ran).
    mutating func pollSucceeded(target: String, jobs: [ObservedJob], duration: Double, at time: Double) -> [StateChange]? {
        guard var record = records[target], let identity = configured.first(where: { $0.name == target }) else {
            return nil
        }
        var changes: [StateChange] = []
        if record.lastOutcome == .failed {
            changes.append(.targetUp(target: target, vendor: identity.vendor))
        }
        record.lastOutcome = .succeeded
        record.health = TargetHealth(
            up: true, reason: nil, message: nil, lastPollDuration: duration, lastPollTime: time, lastSuccessTime: time)
        if !record.persistenceDisabled {
            pending.targets.insert(target)
        }

        var listed = Set<String>()
        for job in jobs where listed.insert(job.id).inserted {
            let isNew = record.jobs[job.id] == nil
            var jobRecord = record.jobs[job.id] ?? JobRecord(name: job.name, firstSeen: time)
            let before = jobRecord.row
            let lastRun = job.runs.first.map { Self.stampEnd(of: $0, held: before.lastRun, at: time) }
            if let lastRun, before.lastRun?.id != lastRun.id || before.lastRun?.state != lastRun.state {
                changes.append(.jobState(
                    target: target, vendor: identity.vendor, jobID: job.id, jobName: job.name, runID: lastRun.id,
                    from: before.lastRun?.state, to: lastRun.state, vendorStatus: lastRun.vendorStatus,
                    vendorMessage: lastRun.vendorMessage))
            }
            jobRecord.row.name = job.name
            jobRecord.row.listed = true
            jobRecord.row.enabled = job.enabled
            jobRecord.row.nextRunTime = job.nextRunTime
            // Rows written before first-seen was kept: the job is first seen now.
            if jobRecord.row.history.firstSeenTime == nil { jobRecord.row.history.firstSeenTime = time }
            let key = PendingWrites.JobKey(target: target, job: job.id)
            if let lastRun {
                jobRecord.row.lastRun = lastRun
                // Oldest first, so counting order follows run age and pruning drops the oldest.
                for run in job.runs.dropFirst().reversed() + [lastRun] {
                    if let counted = jobRecord.observe(run), !record.persistenceDisabled {
                        pending.countedRuns[key, default: []].append(counted)
                        pending.jobs.insert(key)
                    }
                }
            } else if let summary = job.summaryRun, before.lastRun == nil || before.lastRun?.id == summary.id {
                // Sessions purged: the job's own summary is all there is. Shown, never counted,
                // and followed while it is what the store holds (a real run, once seen, stays).
                jobRecord.row.lastRun = summary
                if let result = summary.state.result { jobRecord.moveHistoryTimes(for: summary, result: result) }
            }
            if isNew || jobRecord.row != before, !record.persistenceDisabled {
                pending.jobs.insert(key)
            }
            record.jobs[job.id] = jobRecord
        }
        for (id, jobRecord) in record.jobs where jobRecord.row.listed && !listed.contains(id) {
            record.jobs[id]?.row.listed = false
            if !record.persistenceDisabled {
                pending.jobs.insert(.init(target: target, job: id))
            }
        }
        records[target] = record
        return changes
    }

    /// A finished run the vendor gives no end time (ECLYPSE sends no times at all) ends when this
    /// daemon first saw it finished: the time of that poll, kept for as long as the same run
    /// stays finished, so the last success time stops moving once the run is over.
    static func stampEnd(of run: ObservedRun, held: ObservedRun?, at time: Double) -> ObservedRun {
        guard run.state.isFinished, run.endTime == nil else { return run }
        var run = run
        if let held, held.id == run.id, held.state.isFinished, let end = held.endTime {
            run.endTime = end
        } else {
            run.endTime = time
        }
        return run
    }

    /// Records a failed poll. Jobs keep their last values: a failing target is not a vanished job.
    /// Returns `.targetDown` only on the transition (or the first poll since start), not on every
    /// failed poll.
    mutating func pollFailed(target: String, error: PollError, duration: Double, at time: Double) -> [StateChange]? {
        guard var record = records[target], let identity = configured.first(where: { $0.name == target }) else {
            return nil
        }
        var changes: [StateChange] = []
        if record.lastOutcome != .failed {
            changes.append(.targetDown(target: target, vendor: identity.vendor, reason: error.reason, message: error.message))
        }
        record.lastOutcome = .failed
        record.health.up = false
        record.health.reason = error.reason
        record.health.message = error.message
        record.health.lastPollDuration = duration
        record.health.lastPollTime = time
        record.pollErrors[error.reason, default: 0] += 1
        records[target] = record
        return changes
    }
}
