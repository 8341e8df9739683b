/// `options:` of a Commvault target.
public struct CommvaultOptions: Sendable, Equatable {
    static let keys: Set<String> = ["format", "lookup_window", "max_jobs", "page_size", "errors_as_failed"]

    public var format: ResponseFormat
    /// Whole seconds of finished jobs to list (`completedJobLookupTime`): without it the server
    /// would look back a year.
    public var lookupWindow: Int
    /// Jobs read at most per poll.
    public var maxJobs: Int
    /// Jobs asked for per page (the `limit` header).
    public var pageSize: Int
    /// Whether "Completed w/ one or more errors" counts as failed rather than as a warning.
    public var errorsAsFailed: Bool

    public init(format: ResponseFormat = .json, lookupWindow: Int = 2 * 24 * 3600, maxJobs: Int = 500,
                pageSize: Int = 100, errorsAsFailed: Bool = false) {
        self.format = format
        self.lookupWindow = lookupWindow
        self.maxJobs = maxJobs
        self.pageSize = pageSize
        self.errorsAsFailed = errorsAsFailed
    }

    init(_ options: ConfigMapping) throws(ConfigError) {
        let defaults = CommvaultOptions()
        let format = try ResponseFormat.decode(options)
        let window = try options.duration("lookup_window") ?? Double(defaults.lookupWindow)
        guard window >= 60, window <= 366 * 24 * 3600 else {
            throw options.error("lookup_window", "must be between 1m and 8784h (a year)")
        }
        let maxJobs = try options.int("max_jobs") ?? defaults.maxJobs
        guard (1...100_000).contains(maxJobs) else { throw options.error("max_jobs", "must be between 1 and 100000") }
        let pageSize = try options.int("page_size") ?? defaults.pageSize
        guard (1...10_000).contains(pageSize) else { throw options.error("page_size", "must be between 1 and 10000") }
        self.init(format: format, lookupWindow: Int(window.rounded(.up)), maxJobs: maxJobs, pageSize: pageSize,
                  errorsAsFailed: try options.bool("errors_as_failed") ?? defaults.errorsAsFailed)
    }
}
