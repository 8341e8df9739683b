/// Why a poll of a target failed: the `reason` label. Kept coarse on purpose so that alerts can
/// route on it (`auth` pages the backup admin, `connect` the network team).
public enum FailureReason: String, CaseIterable, Sendable, Codable, Hashable {
    case connect
    case tls
    case timeout
    case auth
    case http
    case decode
    case other
}

/// A failed poll: the reason label plus a one-line message for logs and `/status`.
///
/// The message must never contain a secret: adapters build it from status codes, URL paths and
/// field names, never from request headers or bodies they sent.
public struct PollError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: FailureReason
    public var message: String

    public init(_ reason: FailureReason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
