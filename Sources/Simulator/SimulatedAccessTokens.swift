import Foundation
import NIOConcurrencyHelpers

/// The access tokens a simulated vendor hands out at login and checks on every API call, with the
/// switches tests flip on them: a call budget per token (real tokens expire after a time or idle
/// minutes; a budget makes "expires before the next poll" exact), a lifetime on the simulator's
/// clock, and revoking them all as a server restart would. Unitrends and Veeam M365 share it;
/// Commvault's sessions also renew and log out, so they keep their own (`CommvaultSessions`).
public final class SimulatedAccessTokens: Sendable {
    private struct Token {
        var expiresAt: Double?
        /// API calls left before the token is refused; nil for no limit.
        var callsLeft: Int?
    }

    private struct State {
        var tokens: [String: Token] = [:]
        var issued = 0
        /// Every token ever handed out, revoked and expired ones included.
        var handedOut: [String] = []
        var expireAfterCalls: Int?
        var rejected = 0
    }

    private let state = NIOLockedValueBox(State())
    private let prefix: String

    /// Tokens read `<prefix>-<n>-<uuid>`: the number tells a test log which login issued it.
    init(prefix: String) {
        self.prefix = prefix
    }

    /// Every token issued from now on is refused after this many calls (nil: no limit).
    public var expireAfterCalls: Int? {
        get { state.withLockedValue { $0.expireAfterCalls } }
        set { state.withLockedValue { $0.expireAfterCalls = newValue } }
    }

    /// Calls refused because the token was missing, unknown, expired, used up or revoked.
    var rejected: Int { state.withLockedValue { $0.rejected } }

    func issue(now: Double, lifetime: Double? = nil) -> String {
        state.withLockedValue { state in
            state.issued += 1
            let token = "\(prefix)-\(state.issued)-\(UUID().uuidString.lowercased())"
            state.handedOut.append(token)
            state.tokens[token] = Token(expiresAt: lifetime.map { now + $0 }, callsLeft: state.expireAfterCalls)
            return token
        }
    }

    /// Every token issued so far, in order, whether still valid or not: what a leak test searches for.
    var issuedTokens: [String] { state.withLockedValue { $0.handedOut } }

    public func revokeAll() {
        state.withLockedValue { $0.tokens.removeAll() }
    }

    /// Spends one call of `presented`'s budget; false (and counted) when it may not call.
    func authorise(_ presented: String?, now: Double) -> Bool {
        state.withLockedValue { state in
            guard let presented, var token = state.tokens[presented], token.expiresAt.map({ $0 > now }) ?? true,
                  token.callsLeft.map({ $0 > 0 }) ?? true else {
                state.rejected += 1
                return false
            }
            token.callsLeft = token.callsLeft.map { $0 - 1 }
            state.tokens[presented] = token
            return true
        }
    }
}
