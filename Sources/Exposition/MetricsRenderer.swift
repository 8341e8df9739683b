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
    /// The reference page, written family by family over all targets in one pass. The daemon
    /// serves the same bytes assembled from per-target fragments (`StorePage`); the golden tests
    /// pin this one and the fragment tests compare the assembly against it.
    ///
    /// - Parameters:
    ///   - process: the process_* values; nil (for example off Linux) leaves those families
    ///     with their headers only.
    ///   - now: Unix seconds of the scrape; only the duration of a run still in progress uses it.
    public static func render(
        _ snapshot: ExporterSnapshot, process: ProcessStats?, now: Double, format: ExpositionFormat
    ) -> [UInt8] {
        let targets = snapshot.targets.map(TargetRow.init)
        var page = PageWriter(format: format, reservingCapacity: estimatedSize(targets))
        for family in StoreFamily.all {
            page.header(family.family)
            for target in targets {
                family.write(target, now, &page)
            }
        }
        writeExporter(snapshot, to: &page)
        writeProcess(process, to: &page)
        return page.finish()
    }

    /// The `process_*` families and, in OpenMetrics, the closing `# EOF`: the end of every page,
    /// cheap enough to write fresh on every scrape.
    public static func renderProcessFamilies(_ process: ProcessStats?, format: ExpositionFormat) -> [UInt8] {
        var page = PageWriter(format: format, reservingCapacity: 1024)
        writeProcess(process, to: &page)
        return page.finish()
    }

    // MARK: - Pieces of the page, for StorePage

    /// How many families come from the targets (the store families), each a fragment per target.
    public static var storeFamilyCount: Int { StoreFamily.all.count }

    /// `# HELP` and `# TYPE` of each store family, in page order.
    static func storeFamilyHeaders(format: ExpositionFormat) -> [[UInt8]] {
        StoreFamily.all.map { family in
            var page = PageWriter(format: format, reservingCapacity: 256)
            page.header(family.family)
            return page.bytes
        }
    }

    /// One target's samples of every store family, written into one array: `ends[i]` is where
    /// family `i`'s samples end (family `i` starts where `i - 1` ends).
    static func renderTarget(_ target: TargetSnapshot, now: Double, format: ExpositionFormat) -> (bytes: [UInt8], ends: [Int]) {
        let row = TargetRow(target)
        var page = PageWriter(format: format, reservingCapacity: estimatedSize([row]))
        var ends: [Int] = []
        ends.reserveCapacity(StoreFamily.all.count)
        for family in StoreFamily.all {
            family.write(row, now, &page)
            ends.append(page.bytes.count)
        }
        return (page.bytes, ends)
    }

    /// One target's samples of the one store family that depends on `now`.
    static func renderTargetDurations(_ target: TargetSnapshot, now: Double, format: ExpositionFormat) -> [UInt8] {
        let row = TargetRow(target)
        var page = PageWriter(format: format, reservingCapacity: row.jobs.reduce(0) { $0 + $1.labels.count + 80 })
        StoreFamily.all[StoreFamily.durationIndex].write(row, now, &page)
        return page.bytes
    }

    /// The exporter's own families, which follow the store families.
    static func renderExporterFamilies(_ snapshot: ExporterSnapshot, format: ExpositionFormat) -> [UInt8] {
        var page = PageWriter(format: format, reservingCapacity: 2048)
        writeExporter(snapshot, to: &page)
        return page.bytes
    }

    // MARK: - Families

    /// A family whose samples come from the targets: its header, and how one target's samples of
    /// it are written. Each rule is written once and serves both the reference page and the
    /// fragments.
    struct StoreFamily: Sendable {
        let family: MetricFamily
        let write: @Sendable (TargetRow, _ now: Double, inout PageWriter) -> Void

        /// Every store family in page order: first the target families, then the job families.
        static let all: [StoreFamily] = targetFamilies + jobFamilies

        /// The position of the job-duration family, the only one that depends on `now`.
        static let durationIndex = all.firstIndex { $0.family.name == MetricFamily.jobDuration.name }!

        private static let reasons = FailureReason.allCases.map { (reason: $0, label: PageWriter.encodeLabels(["reason": $0.rawValue])) }
        private static let states = JobState.allCases.map { (state: $0, label: PageWriter.encodeLabels(["state": $0.rawValue])) }
        private static let results = RunResult.allCases.map { (result: $0, label: PageWriter.encodeLabels(["result": $0.rawValue])) }

        private static let targetFamilies: [StoreFamily] = [
            StoreFamily(family: .targetUp) { target, _, page in
                page.sample(.targetUp, labels: target.labels, value: target.snapshot.health.up ? 1 : 0)
            },
            StoreFamily(family: .targetPollDuration) { target, _, page in
                guard let duration = target.snapshot.health.lastPollDuration else { return }
                page.sample(.targetPollDuration, labels: target.labels, value: duration)
            },
            StoreFamily(family: .targetLastSuccess) { target, _, page in
                guard let time = target.snapshot.health.lastSuccessTime else { return }
                page.sample(.targetLastSuccess, labels: target.labels, value: time)
            },
            StoreFamily(family: .targetPolls) { target, _, page in
                page.sample(.targetPolls, labels: target.labels, count: target.snapshot.pollsTotal)
            },
            StoreFamily(family: .targetPollErrors) { target, _, page in
                for reason in reasons {
                    page.sample(.targetPollErrors, labels: target.labels, extra: reason.label,
                                count: target.snapshot.pollErrors[reason.reason] ?? 0)
                }
            },
            StoreFamily(family: .targetJobs) { target, _, page in
                page.sample(.targetJobs, labels: target.labels, count: UInt64(target.snapshot.jobs.count))
            },
        ]

        private static let jobFamilies: [StoreFamily] = [
            StoreFamily(family: .jobState) { target, _, page in
                for row in target.jobs {
                    // A job listed with no run yet has no state; all zeros would read as a broken state set.
                    guard let run = row.job.lastRun else { continue }
                    for state in states {
                        page.sample(.jobState, labels: row.labels, extra: state.label, value: state.state == run.state ? 1 : 0)
                    }
                }
            },
            gauge(.jobProgress) { job, _ in job.lastRun?.normalisedProgress.map { $0 / 100 } },
            gauge(.jobStart) { job, _ in job.lastRun?.startTime },
            // A vendor may echo a stale end time for a run that is waiting or running again; the
            // contract says the end is absent until the run has one of its own.
            gauge(.jobEnd) { job, _ in
                job.lastRun.flatMap { $0.state == .running || $0.state == .waiting ? nil : $0.endTime }
            },
            gauge(.jobDuration) { job, now in job.lastRun?.duration(now: now) },
            gauge(.jobSize) { job, _ in job.lastRun?.sizeBytes },
            gauge(.jobObjects) { job, _ in job.lastRun?.objectCount },
            gauge(.jobLastSuccess) { job, _ in job.history.lastSuccessTime },
            gauge(.jobMaxAge) { job, _ in job.maxAgeSeconds },
            gauge(.jobLastFailure) { job, _ in job.history.lastFailureTime },
            StoreFamily(family: .jobRuns) { target, _, page in
                for row in target.jobs {
                    for result in results {
                        page.sample(.jobRuns, labels: row.labels, extra: result.label,
                                    count: row.job.history.runsByResult[result.result] ?? 0)
                    }
                }
            },
            gauge(.jobEnabled) { job, _ in job.enabled.map { $0 ? 1 : 0 } },
            gauge(.jobNextRun) { job, _ in job.nextRunTime },
            gauge(.jobFirstSeen) { job, _ in job.history.firstSeenTime },
        ]

        /// A gauge family with a sample for each job that has a value.
        private static func gauge(
            _ family: MetricFamily, value: @escaping @Sendable (JobSnapshot, _ now: Double) -> Double?
        ) -> StoreFamily {
            StoreFamily(family: family) { target, now, page in
                for row in target.jobs {
                    guard let value = value(row.job, now) else { continue }
                    page.sample(family, labels: row.labels, value: value)
                }
            }
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

    /// A target with its label set, and each of its jobs', encoded once for every family.
    struct TargetRow {
        let snapshot: TargetSnapshot
        let labels: [UInt8]
        let jobs: [JobRow]

        init(_ snapshot: TargetSnapshot) {
            self.snapshot = snapshot
            let labels = PageWriter.encodeLabels(["target": snapshot.name, "vendor": snapshot.vendor.rawValue])
            self.labels = labels
            jobs = snapshot.jobs.map { JobRow(job: $0, targetLabels: labels) }
        }
    }

    /// A job with its label set encoded once; it is written into up to 19 samples.
    struct JobRow {
        let job: JobSnapshot
        let labels: [UInt8]

        init(job: JobSnapshot, targetLabels: [UInt8]) {
            self.job = job
            labels = targetLabels + [UInt8(ascii: ",")] + PageWriter.encodeLabels(["job_id": job.id, "job_name": job.name])
        }
    }

    /// Enough for the targets' samples in the common case, so the buffer grows at most once: each
    /// sample line is its name (up to ~60 bytes), its labels and a value.
    private static func estimatedSize(_ targets: [TargetRow]) -> Int {
        targets.reduce(8192) { size, target in
            target.jobs.reduce(size + (target.labels.count + 96) * 12) { $0 + ($1.labels.count + 80) * 22 }
        }
    }
}
