import CLibCrypto
import FoundationEssentials
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
    /// The HMAC key: 32 bytes from the system's random source, made anew for each authenticator.
    private let cacheKey: [UInt8] = {
        var random = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    }()
    private let outcomes = NIOLockedValueBox<[[UInt8]: Bool]>([:])
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
        if let key, let outcome = outcomes.withLockedValue({ $0[key] }) { return outcome && hash != nil }
        let decoy = decoyHash
        let checked = try? await NIOThreadPool.singleton.runIfActive { [self] in
            bcryptLock.withLock {
                // Another request may have checked the same credentials while this one waited.
                if let key, let outcome = outcomes.withLockedValue({ $0[key] }) { return outcome }
                verifications.withLockedValue { $0 += 1 }
                let outcome = Bcrypt.verify(password: password, hash: hash ?? decoy)
                guard let key else { return outcome }
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
        // base64 holds no whitespace, so the token is the one word after the scheme.
        guard parts.count == 2, parts[0].lowercased() == "basic",
              case let words = parts[1].split(whereSeparator: \.isWhitespace), words.count == 1,
              let data = Data(base64Encoded: String(words[0])),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// HMAC-SHA256 (OpenSSL's libcrypto) of user, password and hash, NUL-separated (none of
    /// them can hold a NUL: they come from a header and a YAML file); nil in the one case
    /// libcrypto fails, and then nothing is cached.
    private func cacheKey(user: String, password: String, hash: String) -> [UInt8]? {
        let message = Array(user.utf8) + [0] + Array(password.utf8) + [0] + Array(hash.utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard HMAC(EVP_sha256(), cacheKey, Int32(cacheKey.count), message, message.count, &digest, &length) != nil,
              length == 32 else { return nil }
        return Array(digest.prefix(32))
    }
}
