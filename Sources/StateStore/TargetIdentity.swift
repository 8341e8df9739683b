import BackupModel

/// A configured target as the store needs it: persisted rows are keyed by `name` alone, so a
/// target that changes vendor under the same name keeps its rows (rename it to start afresh).
public struct TargetIdentity: Sendable, Equatable, Hashable {
    public var name: String
    public var vendor: Vendor
    /// Configured maximum age of a job's last success, and per-job overrides: carried into each
    /// `JobSnapshot` so alert rules need no config of their own.
    public var maxAge: Double?
    public var jobMaxAge: [String: Double]

    public init(name: String, vendor: Vendor, maxAge: Double? = nil, jobMaxAge: [String: Double] = [:]) {
        self.name = name
        self.vendor = vendor
        self.maxAge = maxAge
        self.jobMaxAge = jobMaxAge
    }
}
