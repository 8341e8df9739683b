import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// HTTP basic auth against bcrypt hashes (`basic_auth_users` of a web config).
///
/// bcrypt costs tens of milliseconds per check on purpose, and Prometheus sends the same
/// credentials with every scrape, so outcomes are cached. The cache key is an HMAC of user,
/// password and hash under a key made at random for this authenticator: it never holds a
/// password, and its keys cannot be checked against guesses without that key. The hash is part
/// of the key so a changed hash (a reload) never reuses an old outcome.
///
/// Checks that miss the cache run one at a time on NIO's thread pool: a client guessing
/// passwords costs one core at most and never blocks an event loop.
public final class BasicAuthenticator: Sendable {
    public static let realm = "backup-exporter"
    /// Enough for every scraper and operator; when full it is emptied rather than managed, since
    /// refilling costs one bcrypt per client.
    static let cacheLimit = 256

    private let users: [String: String]
    /// An unknown user is checked against this real hash and then refused, so the answer takes
    /// as long as for a known user with a wrong password.
    private let decoyHash: String
    private let cacheKey = SymmetricKey(size: .bits256)
    private let outcomes = NIOLockedValueBox<[Data: Bool]>([:])
    private let bcryptLock = NIOLock()
    private let verifications = NIOLockedValueBox<Int>(0)

    /// `users` maps user names to bcrypt hashes (checked with `Bcrypt.isHash` by the caller).
    public init(users: [String: String]) {
        self.users = users
        decoyHash = users.values.sorted().first ?? "$2b$10$" + String(repeating: ".", count: 53)
    }

    /// How many bcrypt checks ran, i.e. requests the cache did not answer (for tests).
    public var bcryptVerifications: Int { verifications.withLockedValue { $0 } }

    /// True when the request's `Authorization: Basic` credentials match a configured user.
    public func isAuthorized(_ request: HTTPRequest) async -> Bool {
        guard let (user, password) = Self.credentials(request.headers.first(name: "Authorization")) else { return false }
        let hash = users[user]
        let key = cacheKey(user: user, password: password, hash: hash ?? decoyHash)
        if let outcome = outcomes.withLockedValue({ $0[key] }) { return outcome && hash != nil }
        let decoy = decoyHash
        let checked = try? await NIOThreadPool.singleton.runIfActive { [self] in
            bcryptLock.withLock {
                // Another request may have checked the same credentials while this one waited.
                if let outcome = outcomes.withLockedValue({ $0[key] }) { return outcome }
                verifications.withLockedValue { $0 += 1 }
                let outcome = Bcrypt.verify(password: password, hash: hash ?? decoy)
                outcomes.withLockedValue { outcomes in
                    if outcomes.count >= Self.cacheLimit { outcomes.removeAll() }
                    outcomes[key] = outcome
                }
                return outcome
            }
        }
        return checked == true && hash != nil
    }

    /// 401 with the challenge that makes browsers and curl ask for credentials.
    public static func challenge() -> HTTPResponse {
        var response = HTTPResponse.text("Unauthorized\n", status: .unauthorized)
        response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"\(realm)\"")
        return response
    }

    /// User and password from `Basic <base64(user:password)>`; the scheme is case-insensitive
    /// (RFC 9110), and the password may itself contain ':'.
    static func credentials(_ header: String?) -> (user: String, password: String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1].trimmingCharacters(in: .whitespaces))),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private func cacheKey(user: String, password: String, hash: String) -> Data {
        var message = Data(user.utf8)
        message.append(0)
        message.append(contentsOf: password.utf8)
        message.append(0)
        message.append(contentsOf: hash.utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: cacheKey))
    }
}
