import BackupModel
import ExporterConfig

/// `/status`: every target and job as the store holds them, plus each target's polling settings.
/// Built from explicit fields only, so credentials cannot slip in through a new config key.
struct StatusDocument: Encodable {
    struct Target: Encodable {
        var name: String
        var vendor: String
        var url: String?
        var interval_seconds: Double?
        var timeout_seconds: Double?
        var auth: String?
        var up: Bool
        var reason: String?
        var message: String?
        var last_poll_duration_seconds: Double?
        var last_poll_timestamp_seconds: Double?
        var last_success_timestamp_seconds: Double?
        var polls_total: UInt64
        var jobs: [Job]
    }

    struct Job: Encodable {
        var id: String
        var name: String
        var enabled: Bool?
        var next_run_timestamp_seconds: Double?
        var first_seen_timestamp_seconds: Double?
        var last_run: Run?
        var last_success_timestamp_seconds: Double?
        var last_failure_timestamp_seconds: Double?
        var runs_total: [String: UInt64]
    }

    /// A run in the words of the metrics (snake_case, base units), not the model's Swift names.
    struct Run: Encodable {
        var id: String
        var state: String
        var progress_percent: Double?
        var start_timestamp_seconds: Double?
        var end_timestamp_seconds: Double?
        var duration_seconds: Double?
        var size_bytes: Double?
        var objects: Double?
        var vendor_status: String?
        /// The vendor's own words about a failed or warned run (bounded, secrets redacted).
        var vendor_message: String?

        init(_ run: ObservedRun) {
            id = run.id
            state = run.state.rawValue
            progress_percent = run.normalisedProgress
            start_timestamp_seconds = run.startTime
            end_timestamp_seconds = run.endTime
            duration_seconds = run.durationSeconds
            size_bytes = run.sizeBytes
            objects = run.objectCount
            vendor_status = run.vendorStatus
            vendor_message = run.vendorMessage
        }
    }

    var build: [String: String]
    var config_last_reload_successful: Bool
    var state_write_errors: UInt64
    var targets: [Target]

    init(snapshot: ExporterSnapshot, targets configured: [TargetConfiguration]) {
        build = ["version": snapshot.build.version, "swift_version": snapshot.build.swiftVersion]
        config_last_reload_successful = snapshot.config.lastReloadSuccessful
        state_write_errors = snapshot.stateWriteErrors
        let byName = Dictionary(configured.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        targets = snapshot.targets.map { target in
            let config = byName[target.name]
            let auth: String? = config.map { config in
                if config.auth.token != nil { return "bearer token" }
                if let user = config.auth.username { return config.auth.password != nil ? "basic user=\(user)" : "user=\(user)" }
                return "none"
            }
            return Target(
                name: target.name, vendor: target.vendor.rawValue, url: config?.url,
                interval_seconds: config?.interval, timeout_seconds: config?.timeout, auth: auth,
                up: target.health.up, reason: target.health.reason?.rawValue, message: target.health.message,
                last_poll_duration_seconds: target.health.lastPollDuration,
                last_poll_timestamp_seconds: target.health.lastPollTime,
                last_success_timestamp_seconds: target.health.lastSuccessTime,
                polls_total: target.pollsTotal,
                jobs: target.jobs.map { job in
                    Job(id: job.id, name: job.name, enabled: job.enabled, next_run_timestamp_seconds: job.nextRunTime,
                        first_seen_timestamp_seconds: job.history.firstSeenTime, last_run: job.lastRun.map(Run.init),
                        last_success_timestamp_seconds: job.history.lastSuccessTime,
                        last_failure_timestamp_seconds: job.history.lastFailureTime,
                        runs_total: Dictionary(uniqueKeysWithValues: RunResult.allCases.map { ($0.rawValue, job.history.runsByResult[$0] ?? 0) }))
                })
        }
    }
}
