/// Something that loads but that an operator should fix, located like a `ConfigError`. The
/// daemon logs these at start-up and on every reload; they never stop a load.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `<file>:<line>: <key>: <message>`, as `ConfigError` writes it.
    public var description: String {
        ConfigError(file: file, line: line, key: key, message: message).description
    }
}
