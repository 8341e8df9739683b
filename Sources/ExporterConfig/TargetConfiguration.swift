import BackupModel

/// One `targets:` entry with the `defaults:` and the built-in defaults folded in.
public struct TargetConfiguration: Sendable, Equatable {
    /// Unique, `[a-zA-Z0-9_.-]+`; the `target` label.
    public var name: String
    public var vendor: Vendor
    /// Absolute http(s) URL with a host, without trailing "/" so adapters can append "/path".
    public var url: String
    public var auth: AuthConfiguration
    public var tls: TLSConfiguration
    /// Job ids to keep; empty means every job the API lists.
    public var jobs: [String]
    /// Seconds between polls, > 0.
    public var interval: Double
    /// Seconds per HTTP request, > 0. It may exceed `interval`: the scheduler simply never
    /// starts a poll of a target while its previous poll still runs.
    public var timeout: Double
    /// Fraction 0...1 of `interval` by which first polls are spread ("10%" is 0.1).
    public var jitter: Double
    /// IANA identifier, already checked with `TimeZoneRules.named(_:)`; for vendors that report
    /// local times without an offset.
    public var timezone: String
    /// Responses larger than this are refused, so a misbehaving appliance cannot exhaust memory.
    public var maxResponseBytes: Int
    /// How long a job may go without a successful run before it is overdue (`max_age`, default
    /// 26 h: a daily backup plus slack); exported as `backup_job_max_age_seconds` for alert rules.
    public var maxAge: Double
    /// Per-job overrides of `maxAge`, by job id (`job_max_age`).
    public var jobMaxAge: [String: Double]
    /// The vendor's own keys, decoded and checked with the rest of the file.
    public var options: VendorSettings
    /// Line where this target's mapping starts, for messages about the target as a whole.
    public var line: Int
    /// The config file the target came from, so a problem found only when the adapter is built
    /// (a CA file that holds no PEM certificate) names the file like every other config error.
    public var file: String

    public init(
        name: String, vendor: Vendor, url: String, auth: AuthConfiguration = AuthConfiguration(),
        tls: TLSConfiguration = TLSConfiguration(), jobs: [String] = [],
        interval: Double = TargetConfiguration.defaultInterval, timeout: Double = TargetConfiguration.defaultTimeout,
        jitter: Double = TargetConfiguration.defaultJitter, timezone: String = TargetConfiguration.defaultTimezone,
        maxResponseBytes: Int = TargetConfiguration.defaultMaxResponseBytes,
        maxAge: Double = TargetConfiguration.defaultMaxAge, jobMaxAge: [String: Double] = [:],
        options: VendorSettings? = nil, line: Int = 0, file: String = ""
    ) {
        // nil means the vendor's defaults, as an absent `options:` does.
        self.name = name
        self.vendor = vendor
        self.url = url
        self.auth = auth
        self.tls = tls
        self.jobs = jobs
        self.interval = interval
        self.timeout = timeout
        self.jitter = jitter
        self.timezone = timezone
        self.maxResponseBytes = maxResponseBytes
        self.maxAge = maxAge
        self.jobMaxAge = jobMaxAge
        self.options = options ?? .defaults(for: vendor)
        self.line = line
        self.file = file
    }

    public static let defaultInterval: Double = 60
    public static let defaultTimeout: Double = 15
    public static let defaultJitter: Double = 0.1
    public static let defaultTimezone = "UTC"
    public static let defaultMaxResponseBytes = 32 * 1024 * 1024
    public static let defaultMaxAge: Double = 26 * 3600
}
