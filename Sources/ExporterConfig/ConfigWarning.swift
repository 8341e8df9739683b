/// Something that loads but that an operator should fix, located like a `ConfigError`. The
/// daemon logs these at start-up and on every reload; they never stop a load.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String
    /// The log line's `msg`: what kind of warning this is, the same for every instance of it.
    public var headline: String

    public init(file: String, line: Int?, key: String, message: String,
                headline: String = "secret file readable by other users") {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.headline = headline
    }

    /// `<file>:<line>: <key>: <message>`, as `ConfigError` writes it.
    public var description: String {
        ConfigError(file: file, line: line, key: key, message: message).description
    }
}
