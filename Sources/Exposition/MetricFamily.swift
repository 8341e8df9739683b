/// A metric family's fixed header: what `spec/metrics.md` promises dashboards and alert rules.
///
/// `name` is the sample name as it appears on the text page; for a counter it ends in `_total`.
/// OpenMetrics names the *family* of a counter without that suffix while its samples keep it, so
/// the OpenMetrics header is derived here rather than stored twice.
struct MetricFamily: Sendable {
    enum Kind: String, Sendable {
        case gauge
        case counter
    }

    let name: String
    let kind: Kind
    let help: String

    /// The name on the `# HELP` / `# TYPE` lines of the given format.
    func headerName(for format: ExpositionFormat) -> String {
        guard format == .openMetrics, kind == .counter, name.hasSuffix("_total") else { return name }
        return String(name.dropLast("_total".count))
    }
}

extension MetricFamily {
    // Per target. Values come from the daemon's poll timers, never from the scrape, so the HELP
    // says "as of the last poll": a reader of a stale page must not mistake it for a live probe.
    static let targetUp = MetricFamily(
        name: "backup_target_up", kind: .gauge,
        help: "1 if the last poll of this target succeeded end to end, else 0, as of the last poll.")
    static let targetPollDuration = MetricFamily(
        name: "backup_target_poll_duration_seconds", kind: .gauge,
        help: "Wall time of the last poll of this target in seconds, login included, as of the last poll.")
    static let targetLastSuccess = MetricFamily(
        name: "backup_target_last_success_timestamp_seconds", kind: .gauge,
        help: "Unix time a poll of this target last succeeded (persisted across restarts), as of the last poll.")
    static let targetPolls = MetricFamily(
        name: "backup_target_polls_total", kind: .counter,
        help: "Polls of this target started, as of the last poll.")
    static let targetPollErrors = MetricFamily(
        name: "backup_target_poll_errors_total", kind: .counter,
        help: "Failed polls of this target by reason, as of the last poll.")
    static let targetJobs = MetricFamily(
        name: "backup_target_jobs", kind: .gauge,
        help: "Jobs currently known for this target, as of the last poll.")

    // Per job.
    static let jobState = MetricFamily(
        name: "backup_job_state", kind: .gauge,
        help: "State set of the last run of this job: 1 for its state, 0 for the six others, as of the last poll.")
    static let jobProgress = MetricFamily(
        name: "backup_job_progress_ratio", kind: .gauge,
        help: "Progress of the last run of this job from 0 to 1, 1 once it finished successfully, as of the last poll.")
    static let jobStart = MetricFamily(
        name: "backup_job_last_run_start_timestamp_seconds", kind: .gauge,
        help: "Unix time the last run of this job started, as of the last poll.")
    static let jobEnd = MetricFamily(
        name: "backup_job_last_run_end_timestamp_seconds", kind: .gauge,
        help: "Unix time the last run of this job ended, absent while it runs, as of the last poll.")
    static let jobDuration = MetricFamily(
        name: "backup_job_last_run_duration_seconds", kind: .gauge,
        help: "Duration of the last run of this job in seconds as of the last poll; while it runs, the time elapsed since its start.")
    static let jobSize = MetricFamily(
        name: "backup_job_last_run_size_bytes", kind: .gauge,
        help: "Data size of the last run of this job in bytes, where the vendor reports one, as of the last poll.")
    static let jobObjects = MetricFamily(
        name: "backup_job_last_run_objects", kind: .gauge,
        help: "Items (files, mailboxes, objects) the last run of this job processed, where the vendor counts them, as of the last poll.")
    static let jobLastSuccess = MetricFamily(
        name: "backup_job_last_success_timestamp_seconds", kind: .gauge,
        help: "Unix time the newest run of this job that succeeded or warned ended (persisted), as of the last poll.")
    static let jobMaxAge = MetricFamily(
        name: "backup_job_max_age_seconds", kind: .gauge,
        help: "Configured maximum age of the last successful run of this job (max_age), for jobs known as of the last poll; for alert rules.")
    static let jobLastFailure = MetricFamily(
        name: "backup_job_last_failure_timestamp_seconds", kind: .gauge,
        help: "Unix time the newest failed run of this job ended (persisted), as of the last poll.")
    static let jobRuns = MetricFamily(
        name: "backup_job_runs_total", kind: .counter,
        help: "Finished runs of this job by result, each counted once ever (persisted), as of the last poll.")
    static let jobEnabled = MetricFamily(
        name: "backup_job_enabled", kind: .gauge,
        help: "1 if the vendor says this job is enabled on its schedule, 0 if disabled; absent where the vendor does not say, as of the last poll.")
    static let jobNextRun = MetricFamily(
        name: "backup_job_next_run_timestamp_seconds", kind: .gauge,
        help: "Unix time the vendor will start this job next; absent where the vendor does not say, as of the last poll.")
    static let jobFirstSeen = MetricFamily(
        name: "backup_job_first_seen_timestamp_seconds", kind: .gauge,
        help: "Unix time this exporter first saw this job (persisted), as of the last poll.")

    // The exporter itself.
    static let buildInfo = MetricFamily(
        name: "backup_exporter_build_info", kind: .gauge,
        help: "Always 1, labelled with the version of the exporter and of the Swift compiler that built it.")
    static let configReloadSuccessful = MetricFamily(
        name: "backup_exporter_config_last_reload_successful", kind: .gauge,
        help: "1 if the last load or reload of the configuration succeeded, else 0.")
    static let configReloadSuccessTime = MetricFamily(
        name: "backup_exporter_config_last_reload_success_timestamp_seconds", kind: .gauge,
        help: "Unix time the configuration was last loaded or reloaded successfully.")
    static let shardInfo = MetricFamily(
        name: "backup_exporter_shard_info", kind: .gauge,
        help: "Always 1, labelled with this instance's shard index and the shard count (0 of 1 when not sharded).")
    static let targets = MetricFamily(
        name: "backup_exporter_targets", kind: .gauge,
        help: "Targets in the configuration, by whether this instance owns them (polls, exports and stores them).")
    static let stateWriteErrors = MetricFamily(
        name: "backup_exporter_state_write_errors_total", kind: .counter,
        help: "Writes to the state database that failed; metrics are still served from memory.")

    // The process, with the HELP texts of the Prometheus client libraries so that existing
    // dashboards read the same.
    static let processCPU = MetricFamily(
        name: "process_cpu_seconds_total", kind: .counter,
        help: "Total user and system CPU time spent in seconds.")
    static let processResident = MetricFamily(
        name: "process_resident_memory_bytes", kind: .gauge,
        help: "Resident memory size in bytes.")
    static let processVirtual = MetricFamily(
        name: "process_virtual_memory_bytes", kind: .gauge,
        help: "Virtual memory size in bytes.")
    static let processStartTime = MetricFamily(
        name: "process_start_time_seconds", kind: .gauge,
        help: "Start time of the process since unix epoch in seconds.")
    static let processOpenFDs = MetricFamily(
        name: "process_open_fds", kind: .gauge,
        help: "Number of open file descriptors.")
    static let processMaxFDs = MetricFamily(
        name: "process_max_fds", kind: .gauge,
        help: "Maximum number of open file descriptors.")
}
