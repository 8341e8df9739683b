/// Extra trust for a target's HTTPS connection.
public struct TLSConfiguration: Sendable, Equatable {
    /// Absolute path of a PEM bundle trusted in addition to the system roots; checked to exist
    /// when the config was loaded, not read.
    public var caFile: String?
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}
