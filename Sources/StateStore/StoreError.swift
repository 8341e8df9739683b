/// Why the state store could not be opened or used: the database or lock file's path and what
/// went wrong (SQLite's own message where there is one).
///
/// The store never deletes or resets a file it cannot read: the operator gets this error and
/// decides, because the file holds history (runs counted, last success) that cannot be rebuilt.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory the error is about.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "state store \(path): \(message)" }
}
