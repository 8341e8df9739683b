/// The username and password a simulated vendor accepts at its login call (Unitrends, Veeam M365).
public struct LoginCredentials: Sendable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// A simulated vendor whose API calls need an access token from its login call. The token fault
/// switches are the same for every such vendor, so they live here once.
public protocol IssuesAccessTokens: Sendable {
    var accessTokens: SimulatedAccessTokens { get }
}

extension IssuesAccessTokens {
    /// Every access token issued from now on is refused (401) after `calls` API calls (nil: no limit).
    public func expireTokens(afterCalls calls: Int?) {
        accessTokens.expireAfterCalls = calls
    }

    /// Forgets every access token, as a server restart or an administrator would.
    public func revokeAllTokens() {
        accessTokens.revokeAll()
    }
}
