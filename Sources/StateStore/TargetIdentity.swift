import BackupModel

/// A configured target as the store needs it: persisted rows are keyed by `name` alone, so a
/// target that changes vendor under the same name keeps its rows (rename it to start afresh).
public struct TargetIdentity: Sendable, Equatable, Hashable {
    public var name: String
    public var vendor: Vendor

    public init(name: String, vendor: Vendor) {
        self.name = name
        self.vendor = vendor
    }
}
