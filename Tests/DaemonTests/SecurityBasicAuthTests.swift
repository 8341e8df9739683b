import Foundation
import NIOHTTP1
import Testing
import WebServer

@Suite("Security: bcrypt and basic auth")
struct SecurityBasicAuthTests {
    private func request(user: String, password: String) -> HTTPRequest {
        let token = Data("\(user):\(password)".utf8).base64EncodedString()
        return HTTPRequest(method: .GET, uri: "/metrics", headers: ["Authorization": "Basic \(token)"])
    }

    @Test("libcrypt verifies the crypt_blowfish test vector and refuses a wrong password")
    func testVector() {
        #expect(Bcrypt.verify(password: "U*U", hash: WebConfigFileTests.vectorHash))
        #expect(!Bcrypt.verify(password: "U*V", hash: WebConfigFileTests.vectorHash))
        #expect(!Bcrypt.verify(password: "", hash: WebConfigFileTests.vectorHash))
    }

    @Test("$2b$, $2y$ and $2a$ spellings of one hash all verify")
    func prefixes() throws {
        let hash = try #require(Bcrypt.hash(password: "s3cret", cost: 4))
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(hash.count == 60)
        for prefix in ["$2b$", "$2y$", "$2a$"] {
            let spelled = prefix + hash.dropFirst(4)
            #expect(Bcrypt.verify(password: "s3cret", hash: spelled), "\(prefix)")
            #expect(!Bcrypt.verify(password: "s3cre", hash: spelled), "\(prefix)")
        }
    }

    @Test("hash shapes: only bcrypt with a cost of 04 to 31 and 60 characters", arguments: [
        (WebConfigFileTests.vectorHash, true),
        ("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi", true),
        ("$2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi", false),
        ("$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi", false),
        ("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS", false),
        ("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!", false),
        ("$6$saltsalt$hash", false),
        ("plaintext", false),
    ])
    func hashShapes(hash: String, valid: Bool) {
        #expect(Bcrypt.isHash(hash) == valid)
    }

    @Test("a password with a NUL byte never matches the part before it")
    func nulByte() throws {
        let hash = try #require(Bcrypt.hash(password: "abc", cost: 4))
        #expect(!Bcrypt.verify(password: "abc\0def", hash: hash))
    }

    @Test("the right password passes, a wrong one, an unknown user and a malformed header do not")
    func authorization() async throws {
        let hash = try #require(Bcrypt.hash(password: "right:with-colon", cost: 4))
        let authenticator = BasicAuthenticator(users: ["prometheus": hash])
        #expect(await authenticator.isAuthorized(request(user: "prometheus", password: "right:with-colon")))
        #expect(await !authenticator.isAuthorized(request(user: "prometheus", password: "wrong")))
        #expect(await !authenticator.isAuthorized(request(user: "grafana", password: "right:with-colon")))
        #expect(await !authenticator.isAuthorized(HTTPRequest(method: .GET, uri: "/metrics")))
        #expect(await !authenticator.isAuthorized(HTTPRequest(method: .GET, uri: "/", headers: ["Authorization": "Basic !!!"])))
        #expect(await !authenticator.isAuthorized(HTTPRequest(method: .GET, uri: "/", headers: ["Authorization": "Bearer x"])))
        let lowercase = HTTPRequest(method: .GET, uri: "/", headers: [
            "Authorization": "basic " + Data("prometheus:right:with-colon".utf8).base64EncodedString(),
        ])
        #expect(await authenticator.isAuthorized(lowercase))
    }

    @Test("an unknown user costs a bcrypt check like a known one, and is refused even with another user's password")
    func unknownUserDecoy() async throws {
        let hash = try #require(Bcrypt.hash(password: "pw", cost: 4))
        let authenticator = BasicAuthenticator(users: ["alice": hash])
        #expect(await !authenticator.isAuthorized(request(user: "mallory", password: "pw")))
        #expect(authenticator.bcryptVerifications == 1)
        // Asked again, the cached outcome must not turn into a pass either.
        #expect(await !authenticator.isAuthorized(request(user: "mallory", password: "pw")))
    }

    @Test("repeated scrapes with the same credentials cost one bcrypt check; a new password costs another")
    func cache() async throws {
        let hash = try #require(Bcrypt.hash(password: "scrape", cost: 4))
        let authenticator = BasicAuthenticator(users: ["prometheus": hash])
        for _ in 0..<20 {
            #expect(await authenticator.isAuthorized(request(user: "prometheus", password: "scrape")))
        }
        #expect(authenticator.bcryptVerifications == 1)
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 { group.addTask { await authenticator.isAuthorized(self.request(user: "prometheus", password: "other")) } }
            for await outcome in group { #expect(!outcome) }
        }
        #expect(authenticator.bcryptVerifications == 2)
    }

    @Test("the challenge is 401 with the realm")
    func challenge() {
        let response = BasicAuthenticator.challenge()
        #expect(response.status == .unauthorized)
        #expect(response.headers["WWW-Authenticate"] == [#"Basic realm="backup-exporter""#])
    }
}
