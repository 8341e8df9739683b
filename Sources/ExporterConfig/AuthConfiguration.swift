/// Credentials after `password_file`/`password_env` (and the token ones) have been read, so
/// adapters only ever see values, never where they came from.
public struct AuthConfiguration: Sendable, Equatable {
    public var username: String?
    public var password: Secret?
    public var token: Secret?

    public init(username: String? = nil, password: Secret? = nil, token: Secret? = nil) {
        self.username = username
        self.password = password
        self.token = token
    }

    /// How `check-config` describes it: "basic user=monitor", "token", both joined by " + ", or
    /// "none". Never includes a secret.
    public var kindDescription: String {
        var parts: [String] = []
        if let username { parts.append("basic user=\(username)") }
        if token != nil { parts.append("token") }
        return parts.isEmpty ? "none" : parts.joined(separator: " + ")
    }
}
