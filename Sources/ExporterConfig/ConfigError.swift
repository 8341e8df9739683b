/// A config problem, located well enough for an operator to fix it without reading our code.
///
/// `key` is a path from the document root such as `targets[2].auth.password_file`: targets are
/// named by their position, not their `name`, because the name itself may be what is wrong.
/// It is empty for problems that belong to no key (a YAML syntax error, an unreadable file), and
/// the description then leaves it out. Messages never contain a secret: they name the key, the
/// file path or the environment variable instead.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the offending key or value; nil when the problem has no place in the file.
    public var line: Int?
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `<file>:<line>: <key>: <message>`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if !key.isEmpty { text += ": \(key)" }
        return text + ": " + message
    }
}
