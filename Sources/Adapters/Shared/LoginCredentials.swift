import BackupModel
import ExporterConfig

/// A username and a password for the vendors that log in or send HTTP Basic. The config loader
/// already refuses such a target without them; a target built by hand in code may still lack
/// them, and that is an `auth` failure of the poll, not a crash or a config error.
struct LoginCredentials: Sendable {
    var username: String
    var password: Secret

    /// Nil unless both a non-empty username and a password are configured.
    init?(_ auth: AuthConfiguration) {
        guard let username = auth.username, !username.isEmpty, let password = auth.password else { return nil }
        self.username = username
        self.password = password
    }

    /// The credentials, or the `auth` error that says they are missing, for `call`.
    static func required(_ credentials: LoginCredentials?, for call: String) throws(PollError) -> LoginCredentials {
        guard let credentials else { throw PollError(.auth, "\(call): needs auth.username and a password") }
        return credentials
    }
}
