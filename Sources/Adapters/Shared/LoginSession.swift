import BackupModel
import FoundationEssentials

/// A session token obtained by a vendor's login call (Veeam `/Token`, Commvault `/Login`,
/// Unitrends `/api/login`), shared by the polls of one target.
///
/// Rules, the same for every such vendor:
/// - log in when there is no token, or when the vendor said it expires within `renewalMargin`;
/// - when a call answers 401/403 with a token that was not fresh from this poll, the session is
///   assumed expired or revoked: log in again **once** and retry the call once;
/// - a login that fails is not retried within the same poll, so wrong credentials cost one login
///   per interval, never a tight loop.
public actor LoginSession {
    public struct Token: Sendable, Equatable {
        public var value: String
        /// Unix seconds after which the vendor no longer honours it; nil when it does not say.
        public var expiresAt: Double?
        /// A refresh token where the vendor issues one (Veeam).
        public var refreshToken: String?

        public init(value: String, expiresAt: Double? = nil, refreshToken: String? = nil) {
            self.value = value
            self.expiresAt = expiresAt
            self.refreshToken = refreshToken
        }
    }

    /// Logs in. Receives the current (possibly expired) token so a vendor with refresh tokens
    /// can refresh instead of sending the password again.
    public typealias Login = @Sendable (_ previous: Token?) async throws(PollError) -> Token

    private var token: Token?
    private let renewalMargin: Double
    private let clock: @Sendable () -> Double
    /// How many logins this session has made (tests and debug logs).
    public private(set) var logins = 0

    public init(renewalMargin: Double = 60, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.renewalMargin = renewalMargin
        self.clock = clock
    }

    /// Runs `call` with a valid token, renewing it as the rules above say.
    public func withToken<T: Sendable>(
        login: Login, _ call: @Sendable (String) async throws(PollError) -> T
    ) async throws(PollError) -> T {
        var fresh = false
        if token == nil || isExpiring {
            token = try await renew(login)
            fresh = true
        }
        guard let current = token else { throw PollError(.auth, "login returned no token") }
        do {
            return try await call(current.value)
        } catch where error.reason == .auth && !fresh {
            // Expired or revoked behind our back: one new login, one retry.
            token = nil
            let renewed = try await renew(login)
            token = renewed
            return try await call(renewed.value)
        }
    }

    /// Forgets the token (after a logout, or when the config changed).
    public func invalidate() { token = nil }

    /// The token as it stands, for a logout call on shutdown.
    public var currentToken: Token? { token }

    private var isExpiring: Bool {
        guard let expiresAt = token?.expiresAt else { return false }
        return clock() >= expiresAt - renewalMargin
    }

    private func renew(_ login: Login) async throws(PollError) -> Token {
        logins += 1
        let previous = token
        token = nil
        return try await login(previous)
    }
}
