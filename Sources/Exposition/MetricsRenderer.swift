import BackupModel

/// Renders an `ExporterSnapshot` as a Prometheus text (0.0.4) or OpenMetrics 1.0 page.
///
/// Every family of `spec/metrics.md` is written in a fixed order with its `# HELP` and `# TYPE`
/// even when it has no samples, so a dashboard never meets a page without the family. Samples of
/// one family are contiguous (both formats require it), so the page is written family by family,
/// each walking all targets or all jobs; targets and jobs keep the order of the snapshot, which
/// the store keeps stable.
///
/// `backup_job_state` is typed `gauge` in OpenMetrics as well, not `stateset`: an OpenMetrics
/// state set must carry its states in a label named after the family (`backup_job_state="..."`),
/// while the contract's label is `state`, and the two formats must give the same series.
public enum MetricsRenderer {
    /// - Parameters:
    ///   - process: the process_* values; nil (for example off Linux) leaves those families
    ///     with their headers only.
    ///   - now: Unix seconds of the scrape; only the duration of a run still in progress uses it.
    public static func render(
        _ snapshot: ExporterSnapshot, process: ProcessStats?, now: Double, format: ExpositionFormat
    ) -> [UInt8] {
        renderStoreFamilies(snapshot, now: now, format: format) + renderProcessFamilies(process, format: format)
    }

    /// The page up to the `process_*` families: everything that comes from the store. A caller
    /// may keep it while the store's version is unchanged and append `renderProcessFamilies` per
    /// scrape; the concatenation is exactly `render`'s page. `now` only moves the duration of runs
    /// still in progress, so a kept page is as stale in that one family as it is old.
    public static func renderStoreFamilies(_ snapshot: ExporterSnapshot, now: Double, format: ExpositionFormat) -> [UInt8] {
        let targets = snapshot.targets.map(TargetRow.init)
        let jobs = targets.flatMap { target in
            target.snapshot.jobs.map { JobRow(job: $0, targetLabels: target.labels) }
        }
        var page = PageWriter(format: format, reservingCapacity: estimatedSize(targets: targets, jobs: jobs))
        writeTargets(targets, to: &page)
        writeJobs(jobs, now: now, to: &page)
        writeExporter(snapshot, to: &page)
        return page.bytes
    }

    /// The `process_*` families and, in OpenMetrics, the closing `# EOF`: the end of every page,
    /// cheap enough to write fresh on every scrape.
    public static func renderProcessFamilies(_ process: ProcessStats?, format: ExpositionFormat) -> [UInt8] {
        var page = PageWriter(format: format, reservingCapacity: 1024)
        writeProcess(process, to: &page)
        return page.finish()
    }

    // MARK: - Families

    private static func writeTargets(_ targets: [TargetRow], to page: inout PageWriter) {
        page.header(.targetUp)
        for target in targets {
            page.sample(.targetUp, labels: target.labels, value: target.snapshot.health.up ? 1 : 0)
        }
        page.header(.targetPollDuration)
        for target in targets {
            guard let duration = target.snapshot.health.lastPollDuration else { continue }
            page.sample(.targetPollDuration, labels: target.labels, value: duration)
        }
        page.header(.targetLastSuccess)
        for target in targets {
            guard let time = target.snapshot.health.lastSuccessTime else { continue }
            page.sample(.targetLastSuccess, labels: target.labels, value: time)
        }
        page.header(.targetPolls)
        for target in targets {
            page.sample(.targetPolls, labels: target.labels, count: target.snapshot.pollsTotal)
        }
        page.header(.targetPollErrors)
        let reasons = FailureReason.allCases.map { (reason: $0, label: PageWriter.encodeLabels(["reason": $0.rawValue])) }
        for target in targets {
            for reason in reasons {
                page.sample(.targetPollErrors, labels: target.labels, extra: reason.label,
                            count: target.snapshot.pollErrors[reason.reason] ?? 0)
            }
        }
        page.header(.targetJobs)
        for target in targets {
            page.sample(.targetJobs, labels: target.labels, count: UInt64(target.snapshot.jobs.count))
        }
    }

    private static func writeJobs(_ jobs: [JobRow], now: Double, to page: inout PageWriter) {
        page.header(.jobState)
        let states = JobState.allCases.map { (state: $0, label: PageWriter.encodeLabels(["state": $0.rawValue])) }
        for row in jobs {
            // A job listed with no run yet has no state; all zeros would read as a broken state set.
            guard let run = row.job.lastRun else { continue }
            for state in states {
                page.sample(.jobState, labels: row.labels, extra: state.label, value: state.state == run.state ? 1 : 0)
            }
        }
        gauge(.jobProgress, jobs, to: &page) { $0.lastRun?.normalisedProgress.map { $0 / 100 } }
        gauge(.jobStart, jobs, to: &page) { $0.lastRun?.startTime }
        // A vendor may echo a stale end time for a run that is waiting or running again; the
        // contract says the end is absent until the run has one of its own.
        gauge(.jobEnd, jobs, to: &page) { job in
            job.lastRun.flatMap { $0.state == .running || $0.state == .waiting ? nil : $0.endTime }
        }
        gauge(.jobDuration, jobs, to: &page) { $0.lastRun?.duration(now: now) }
        gauge(.jobSize, jobs, to: &page) { $0.lastRun?.sizeBytes }
        gauge(.jobObjects, jobs, to: &page) { $0.lastRun?.objectCount }
        gauge(.jobLastSuccess, jobs, to: &page) { $0.history.lastSuccessTime }
        gauge(.jobMaxAge, jobs, to: &page) { $0.maxAgeSeconds }
        gauge(.jobLastFailure, jobs, to: &page) { $0.history.lastFailureTime }
        page.header(.jobRuns)
        let results = RunResult.allCases.map { (result: $0, label: PageWriter.encodeLabels(["result": $0.rawValue])) }
        for row in jobs {
            for result in results {
                page.sample(.jobRuns, labels: row.labels, extra: result.label,
                            count: row.job.history.runsByResult[result.result] ?? 0)
            }
        }
        gauge(.jobEnabled, jobs, to: &page) { $0.enabled.map { $0 ? 1 : 0 } }
        gauge(.jobNextRun, jobs, to: &page) { $0.nextRunTime }
        gauge(.jobFirstSeen, jobs, to: &page) { $0.history.firstSeenTime }
    }

    /// One gauge family over every job, with a sample for each job that has a value.
    private static func gauge(
        _ family: MetricFamily, _ jobs: [JobRow], to page: inout PageWriter, value: (JobSnapshot) -> Double?
    ) {
        page.header(family)
        for row in jobs {
            guard let value = value(row.job) else { continue }
            page.sample(family, labels: row.labels, value: value)
        }
    }

    private static func writeExporter(_ snapshot: ExporterSnapshot, to page: inout PageWriter) {
        page.header(.buildInfo)
        page.sample(.buildInfo, labels: PageWriter.encodeLabels([
            "version": snapshot.build.version, "swift_version": snapshot.build.swiftVersion,
        ]), value: 1)
        page.header(.configReloadSuccessful)
        page.sample(.configReloadSuccessful, labels: [], value: snapshot.config.lastReloadSuccessful ? 1 : 0)
        page.header(.configReloadSuccessTime)
        if let time = snapshot.config.lastReloadSuccessTime {
            page.sample(.configReloadSuccessTime, labels: [], value: time)
        }
        page.header(.shardInfo)
        page.sample(.shardInfo, labels: PageWriter.encodeLabels([
            "index": String(snapshot.shard.index), "count": String(snapshot.shard.count),
        ]), value: 1)
        page.header(.targets)
        page.sample(.targets, labels: PageWriter.encodeLabels(["owned": "true"]), value: Double(snapshot.shard.ownedTargets))
        page.sample(.targets, labels: PageWriter.encodeLabels(["owned": "false"]), value: Double(snapshot.shard.otherTargets))
        page.header(.stateWriteErrors)
        page.sample(.stateWriteErrors, labels: [], count: snapshot.stateWriteErrors)
    }

    private static func writeProcess(_ process: ProcessStats?, to page: inout PageWriter) {
        let families: [(MetricFamily, KeyPath<ProcessStats, Double>)] = [
            (.processCPU, \.cpuSeconds),
            (.processResident, \.residentBytes),
            (.processVirtual, \.virtualBytes),
            (.processStartTime, \.startTimeSeconds),
            (.processOpenFDs, \.openFDs),
            (.processMaxFDs, \.maxFDs),
        ]
        for (family, value) in families {
            page.header(family)
            if let process { page.sample(family, labels: [], value: process[keyPath: value]) }
        }
    }

    // MARK: - Rows

    /// A target with its label set encoded once.
    private struct TargetRow {
        let snapshot: TargetSnapshot
        let labels: [UInt8]

        init(_ snapshot: TargetSnapshot) {
            self.snapshot = snapshot
            labels = PageWriter.encodeLabels(["target": snapshot.name, "vendor": snapshot.vendor.rawValue])
        }
    }

    /// A job with its label set encoded once; it is written into up to 19 samples.
    private struct JobRow {
        let job: JobSnapshot
        let labels: [UInt8]

        init(job: JobSnapshot, targetLabels: [UInt8]) {
            self.job = job
            labels = targetLabels + [UInt8(ascii: ",")] + PageWriter.encodeLabels(["job_id": job.id, "job_name": job.name])
        }
    }

    /// Enough for the whole page in the common case, so the buffer grows at most once: each
    /// sample line is its name (up to ~60 bytes), its labels and a value.
    private static func estimatedSize(targets: [TargetRow], jobs: [JobRow]) -> Int {
        let perTarget = targets.reduce(0) { $0 + ($1.labels.count + 96) * 12 }
        let perJob = jobs.reduce(0) { $0 + ($1.labels.count + 80) * 22 }
        return 8192 + perTarget + perJob
    }
}
