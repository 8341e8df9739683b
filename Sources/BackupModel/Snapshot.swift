/// What the store knows at one instant, in the shape the exposition and `/status` need.
/// A plain value: rendering never holds a lock on the store.
public struct ExporterSnapshot: Sendable, Equatable {
    public var targets: [TargetSnapshot]
    public var config: ConfigStatus
    public var build: BuildInfo
    /// Writes to the state database that failed (read-only, full or vanished directory).
    /// Metrics keep being served from memory; this makes the condition visible.
    public var stateWriteErrors: UInt64
    public var shard: ShardStatus

    public init(targets: [TargetSnapshot], config: ConfigStatus, build: BuildInfo, stateWriteErrors: UInt64 = 0,
                shard: ShardStatus? = nil) {
        self.targets = targets
        self.config = config
        self.build = build
        self.stateWriteErrors = stateWriteErrors
        self.shard = shard ?? ShardStatus(index: 0, count: 1, ownedTargets: targets.count, otherTargets: 0)
    }
}

/// This instance's share of the config: `backup_exporter_shard_info` and
/// `backup_exporter_targets{owned}`.
public struct ShardStatus: Sendable, Equatable {
    public var index: Int
    public var count: Int
    /// Targets of the config this instance polls, exports and stores.
    public var ownedTargets: Int
    /// Targets of the config other shards own.
    public var otherTargets: Int

    public init(index: Int, count: Int, ownedTargets: Int, otherTargets: Int) {
        self.index = index
        self.count = count
        self.ownedTargets = ownedTargets
        self.otherTargets = otherTargets
    }
}

/// The outcome of the last config load or reload.
public struct ConfigStatus: Sendable, Equatable {
    public var lastReloadSuccessful: Bool
    public var lastReloadSuccessTime: Double?

    public init(lastReloadSuccessful: Bool, lastReloadSuccessTime: Double?) {
        self.lastReloadSuccessful = lastReloadSuccessful
        self.lastReloadSuccessTime = lastReloadSuccessTime
    }
}

/// Labels of `backup_exporter_build_info`.
public struct BuildInfo: Sendable, Equatable {
    public var version: String
    public var swiftVersion: String

    public init(version: String, swiftVersion: String) {
        self.version = version
        self.swiftVersion = swiftVersion
    }
}

/// One configured target: its health and its jobs, sorted by job id so output is stable.
public struct TargetSnapshot: Sendable, Equatable {
    public var name: String
    public var vendor: Vendor
    public var health: TargetHealth
    public var pollsTotal: UInt64
    /// Failed polls by reason; every reason is present (zero when it never happened) so the
    /// counter series exist from the start and `rate()` works on the first failure.
    public var pollErrors: [FailureReason: UInt64]
    public var jobs: [JobSnapshot]

    public init(
        name: String, vendor: Vendor, health: TargetHealth, pollsTotal: UInt64,
        pollErrors: [FailureReason: UInt64], jobs: [JobSnapshot]
    ) {
        self.name = name
        self.vendor = vendor
        self.health = health
        self.pollsTotal = pollsTotal
        self.pollErrors = pollErrors
        self.jobs = jobs
    }
}

/// The health of a target as of its last poll.
public struct TargetHealth: Sendable, Equatable, Codable {
    /// False until the first poll succeeds.
    public var up: Bool
    /// Why the last poll failed; nil while up or before the first poll.
    public var reason: FailureReason?
    public var message: String?
    public var lastPollDuration: Double?
    public var lastPollTime: Double?
    /// Persisted across restarts.
    public var lastSuccessTime: Double?

    public init(
        up: Bool = false, reason: FailureReason? = nil, message: String? = nil,
        lastPollDuration: Double? = nil, lastPollTime: Double? = nil, lastSuccessTime: Double? = nil
    ) {
        self.up = up
        self.reason = reason
        self.message = message
        self.lastPollDuration = lastPollDuration
        self.lastPollTime = lastPollTime
        self.lastSuccessTime = lastSuccessTime
    }
}

/// A job's last run and its persisted history.
public struct JobSnapshot: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Nil for a job the vendor lists with no run yet.
    public var lastRun: ObservedRun?
    public var history: JobHistory
    /// How long the job may go without a successful run (from the config); nil when not set.
    public var maxAgeSeconds: Double?
    /// As of the last poll; nil where the vendor does not say (see `ObservedJob`).
    public var enabled: Bool?
    public var nextRunTime: Double?

    public init(
        id: String, name: String, lastRun: ObservedRun?, history: JobHistory, maxAgeSeconds: Double? = nil,
        enabled: Bool? = nil, nextRunTime: Double? = nil
    ) {
        self.id = id
        self.name = name
        self.lastRun = lastRun
        self.history = history
        self.maxAgeSeconds = maxAgeSeconds
        self.enabled = enabled
        self.nextRunTime = nextRunTime
    }
}

/// What the store remembers of a job beyond its last run. Every field only moves forward:
/// timestamps are maxima, counts only grow.
public struct JobHistory: Sendable, Equatable, Codable {
    public var lastSuccessTime: Double?
    public var lastFailureTime: Double?
    public var runsByResult: [RunResult: UInt64]
    /// When this daemon first saw the job listed: "never succeeded since it appeared" is
    /// measured from here, not from a fixed wait after start.
    public var firstSeenTime: Double?

    public init(
        lastSuccessTime: Double? = nil, lastFailureTime: Double? = nil, runsByResult: [RunResult: UInt64] = [:],
        firstSeenTime: Double? = nil
    ) {
        self.lastSuccessTime = lastSuccessTime
        self.lastFailureTime = lastFailureTime
        self.runsByResult = runsByResult
        self.firstSeenTime = firstSeenTime
    }
}
