import Foundation
import NIOConcurrencyHelpers

/// The Commvault simulator's login sessions and the switches tests flip on them: tokens that
/// expire after a number of calls (as real ones time out after 30 idle minutes), revoked tokens,
/// tokens issued without the `QSDK ` prefix. Counts logins and logouts so a test can prove there
/// was exactly one re-login, or no tight loop.
public final class CommvaultSessions: Sendable {
    private struct State {
        var calls: [String: Int] = [:]
        var issued = 0
        var logins = 0
        var failedLogins = 0
        var logouts = 0
        var renewals = 0
        var expireAfterCalls: Int?
        var prefixTokens = true
        /// Every token ever handed out (bare, without `QSDK `), logged-out ones included.
        var handedOut: [String] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Successful plus refused logins.
    public var logins: Int { state.withLockedValue { $0.logins } }
    public var failedLogins: Int { state.withLockedValue { $0.failedLogins } }
    public var logouts: Int { state.withLockedValue { $0.logouts } }
    public var renewals: Int { state.withLockedValue { $0.renewals } }
    /// Tokens currently valid.
    public var activeTokens: Int { state.withLockedValue { $0.calls.count } }

    /// Every token issued so far, bare (without `QSDK `), logged-out and expired ones included.
    public var issuedTokens: [String] { state.withLockedValue { $0.handedOut } }

    /// Every token stops working after this many authorised calls (nil: never).
    public var expireAfterCalls: Int? {
        get { state.withLockedValue { $0.expireAfterCalls } }
        set { state.withLockedValue { $0.expireAfterCalls = newValue } }
    }

    /// False: `/Login` answers bare tokens, which clients must prefix with `QSDK ` themselves.
    public var prefixTokens: Bool {
        get { state.withLockedValue { $0.prefixTokens } }
        set { state.withLockedValue { $0.prefixTokens = newValue } }
    }

    /// Forgets every token, as a CommServe restart does.
    public func revokeAll() {
        state.withLockedValue { $0.calls.removeAll() }
    }

    /// A new token, as `/Login` (or `/RenewLoginToken`) sends it.
    func issue(renewal: Bool = false) -> String {
        state.withLockedValue { state in
            if renewal { state.renewals += 1 } else { state.logins += 1 }
            state.issued += 1
            var hex = ""
            for _ in 0..<4 { hex += String(UInt64.random(in: 0...UInt64.max), radix: 16) }
            let token = "\(state.issued)x\(hex)"
            state.calls[token] = 0
            state.handedOut.append(token)
            return state.prefixTokens ? "QSDK " + token : token
        }
    }

    func refuseLogin() {
        state.withLockedValue { $0.logins += 1; $0.failedLogins += 1 }
    }

    /// Accepts `Authtoken: QSDK <token>` (or the bare token) and counts the call; false when the
    /// token is unknown, revoked or used up.
    func authorise(_ header: String?) -> Bool {
        guard let token = Self.bare(header) else { return false }
        return state.withLockedValue { state in
            guard let used = state.calls[token] else { return false }
            if let limit = state.expireAfterCalls, used >= limit {
                state.calls[token] = nil
                return false
            }
            state.calls[token] = used + 1
            return true
        }
    }

    /// True when the token was ever issued and not logged out (expired ones included): what
    /// `/RenewLoginToken` accepts.
    func isKnown(_ header: String?) -> Bool {
        guard let token = Self.bare(header) else { return false }
        return state.withLockedValue { state in
            guard let number = Int(token.prefix { $0 != "x" }) else { return false }
            return number <= state.issued
        }
    }

    func logout(_ header: String?) {
        guard let token = Self.bare(header) else { return }
        state.withLockedValue { state in
            if state.calls.removeValue(forKey: token) != nil { state.logouts += 1 }
        }
    }

    private static func bare(_ header: String?) -> String? {
        guard var token = header?.trimmingCharacters(in: .whitespaces), !token.isEmpty else { return nil }
        if token.hasPrefix("QSDK ") { token.removeFirst(5) }
        return token
    }
}
