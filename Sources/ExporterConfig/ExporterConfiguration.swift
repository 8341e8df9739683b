/// A loaded, fully validated config: every default applied, every secret read, every relative
/// path resolved. Nothing downstream needs to check it again.
public struct ExporterConfiguration: Sendable, Equatable {
    /// The file it was loaded from, as given (for log lines and `check-config`).
    public var sourcePath: String
    /// In file order.
    public var targets: [TargetConfiguration]
    /// Problems that do not stop the load (a password file others can read), for the log.
    public var warnings: [ConfigWarning]

    public init(sourcePath: String, targets: [TargetConfiguration], warnings: [ConfigWarning] = []) {
        self.sourcePath = sourcePath
        self.targets = targets
        self.warnings = warnings
    }
}
