import AsyncHTTPClient
import Foundation
import NIOSSL
import TestSupport
import Testing
@testable import WebServer

/// exporter-toolkit's run-time behaviours over real TLS connections to a daemon serving a
/// `--web.config.file`, with certificates generated at test time: what `TestServerBehaviour`
/// in the toolkit's `web/tls_config_test.go` checks, case for case where the TLS library allows.
@Suite("Web config at run time")
struct WebConfigRuntimeTests {
    private static func tlsConfig(_ certificates: TLSTestCertificates, _ extra: String) -> String {
        "tls_server_config:\n  cert_file: \(certificates.serverCertificate)\n  key_file: \(certificates.serverKey)\n" + extra
    }

    /// True when a request over `tls` gets a 200 from /-/healthy; false when the connection fails.
    private static func handshakes(_ web: WebDaemon, _ tls: NIOSSL.TLSConfiguration) async -> Bool {
        (try? await web.get("/-/healthy", tls: tls, newConnection: true).status) == 200
    }

    @Test("a TLS 1.2 client offering only suites outside cipher_suites fails the handshake; one offering a listed suite gets in")
    func cipherSuites() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, """
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
              max_version: TLS12
            """))
        defer { Task { await web.tearDown() } }
        var outside = try certificates.clientTLS()
        outside.cipherSuites = "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES256-GCM-SHA384"
        #expect(await Self.handshakes(web, outside) == false)
        var listed = try certificates.clientTLS()
        listed.cipherSuites = "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-GCM-SHA256"
        #expect(await Self.handshakes(web, listed) == true)
    }

    @Test("a client offering only curves outside curve_preferences fails the handshake; one offering a listed curve gets in")
    func curves() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, """
              min_version: TLS13
              curve_preferences: [CurveP521]
            """))
        defer { Task { await web.tearDown() } }
        var outside = try certificates.clientTLS()
        outside.curves = [.secp384r1, .x25519]
        #expect(await Self.handshakes(web, outside) == false)
        var listed = try certificates.clientTLS()
        listed.curves = [.secp384r1, .secp521r1]
        #expect(await Self.handshakes(web, listed) == true)
    }

    @Test("TLS versions outside min_version and max_version fail the handshake", arguments: [
        ("  min_version: TLS13\n", TLSVersion.tlsv12, TLSVersion.tlsv12, false),
        ("  min_version: TLS13\n", TLSVersion.tlsv12, TLSVersion.tlsv13, true),
        ("  max_version: TLS12\n", TLSVersion.tlsv13, TLSVersion.tlsv13, false),
        ("  max_version: TLS12\n", TLSVersion.tlsv12, TLSVersion.tlsv13, true),
        ("", TLSVersion.tlsv11, TLSVersion.tlsv11, false),
    ])
    func versions(server: String, clientMinimum: TLSVersion, clientMaximum: TLSVersion, succeeds: Bool) async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, server))
        defer { Task { await web.tearDown() } }
        var client = try certificates.clientTLS()
        client.minimumTLSVersion = clientMinimum
        client.maximumTLSVersion = clientMaximum
        #expect(await Self.handshakes(web, client) == succeeds)
    }

    /// Per policy: no certificate, the CA's client certificate, a certificate from another CA.
    @Test("the five client_auth_type policies accept and refuse what Go's do", arguments: [
        ("NoClientCert", false, [true, true, true]),
        ("RequestClientCert", false, [true, true, true]),
        ("RequireAnyClientCert", false, [false, true, true]),
        ("VerifyClientCertIfGiven", true, [true, true, false]),
        ("RequireAndVerifyClientCert", true, [false, true, false]),
    ])
    func clientAuth(policy: String, withCA: Bool, expected: [Bool]) async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, """
              client_auth_type: \(policy)
            \(withCA ? "  client_ca_file: \(certificates.caCertificate)" : "")
            """))
        defer { Task { await web.tearDown() } }
        let none = await Self.handshakes(web, try certificates.clientTLS(certificate: nil))
        let signed = await Self.handshakes(web, try certificates.clientTLS(certificate: (certificates.clientCertificate, certificates.clientKey)))
        let stranger = await Self.handshakes(web, try certificates.clientTLS(certificate: (certificates.strangerCertificate, certificates.strangerKey)))
        #expect([none, signed, stranger] == expected)
    }

    @Test("client_allowed_sans refuses a client certificate none of whose SANs is listed", arguments: [
        ("RequireAndVerifyClientCert", "[\"one\", \"test3\"]", [true, false]),
        ("RequireAndVerifyClientCert", "[\"10.0.0.7\"]", [true, false]),
        ("RequireAndVerifyClientCert", "[\"two\"]", [false, false]),
        ("RequireAnyClientCert", "[\"spiffe://example/one\"]", [true, false]),
    ])
    func allowedSANs(policy: String, sans: String, expected: [Bool]) async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, """
              client_auth_type: \(policy)
              client_ca_file: \(certificates.caCertificate)
              client_allowed_sans: \(sans)
            """))
        defer { Task { await web.tearDown() } }
        let withSANs = await Self.handshakes(web, try certificates.clientTLS(certificate: (certificates.sanClientCertificate, certificates.sanClientKey)))
        let withoutSANs = await Self.handshakes(web, try certificates.clientTLS(certificate: (certificates.clientCertificate, certificates.clientKey)))
        #expect([withSANs, withoutSANs] == expected)
    }

    @Test("every response carries the configured headers: a page, a 404, a 401 challenge")
    func headers() async throws {
        let certificates = try TLSTestCertificates.get()
        let hash = try #require(Bcrypt.hash(password: "pw", cost: 4))
        let web = try await WebDaemon(webConfig: Self.tlsConfig(certificates, """
            http_server_config:
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000; includeSubDomains
                X-Content-Type-Options: nosniff
                X-XSS-Protection: 1
                Content-Security-Policy: "default-src 'self'"
            basic_auth_users:
              prometheus: \(hash)
            """))
        defer { Task { await web.tearDown() } }
        let tls = try certificates.clientTLS()
        let page = try await web.get("/metrics", tls: tls, user: "prometheus", password: "pw")
        let missing = try await web.get("/nothing-here", tls: tls, user: "prometheus", password: "pw")
        let challenge = try await web.get("/metrics", tls: tls)
        let healthy = try await web.get("/-/healthy", tls: tls)
        let statuses: [Int] = [page.status, missing.status, challenge.status, healthy.status]
        #expect(statuses == [200, 404, 401, 200])
        for response in [page, missing, challenge, healthy] {
            #expect(response.headers["X-Frame-Options"] == ["deny"])
            #expect(response.headers["Strict-Transport-Security"] == ["max-age=31536000; includeSubDomains"])
            #expect(response.headers["X-Content-Type-Options"] == ["nosniff"])
            #expect(response.headers["X-XSS-Protection"] == ["1"])
            #expect(response.headers["Content-Security-Policy"] == ["default-src 'self'"])
        }
    }

    @Test("requests beyond rate_limit's burst are answered 429 Too Many Requests, as Go's http.Error writes it")
    func rateLimit() async throws {
        let web = try await WebDaemon(webConfig: "rate_limit:\n  interval: 1h\n  burst: 2\n")
        defer { Task { await web.tearDown() } }
        let first = try await web.get("/-/healthy", scheme: "http", tls: nil)
        let second = try await web.get("/-/healthy", scheme: "http", tls: nil)
        let third = try await web.get("/metrics", scheme: "http", tls: nil)
        let statuses: [Int] = [first.status, second.status, third.status]
        #expect(statuses == [200, 200, 429])
        #expect(third.body == "Too Many Requests\n")
        #expect(third.headers["Content-Type"] == ["text/plain; charset=utf-8"])
    }

    @Test("a zero burst refuses every request, as exporter-toolkit's one_second case does")
    func zeroBurst() async throws {
        let web = try await WebDaemon(webConfig: "rate_limit:\n  interval: \"1s\"\n  burst: 0\n")
        defer { Task { await web.tearDown() } }
        #expect(try await web.get("/-/healthy", scheme: "http", tls: nil).status == 429)
    }

    @Test("replaced certificate files are served from the next handshake on, without a reload or a signal")
    func rotation() async throws {
        try await Self.withLiveFiles { live in
            let (web, directory, certificates) = (live.web, live.directory, live.certificates)
            #expect(await Self.handshakes(web, live.trustsOld) == true)
            #expect(await Self.handshakes(web, live.trustsNew) == false)

            // As certbot and cert-manager do: new files written beside, then renamed into place.
            try FileManager.default.copyItem(atPath: certificates.otherServerKey, toPath: directory + "/next.key")
            try FileManager.default.copyItem(atPath: certificates.otherServerCertificate, toPath: directory + "/next.crt")
            #expect(rename(directory + "/next.key", directory + "/live.key") == 0)
            #expect(rename(directory + "/next.crt", directory + "/live.crt") == 0)
            #expect(await Self.handshakes(web, live.trustsNew) == true)
            #expect(await Self.handshakes(web, live.trustsOld) == false)
        }
    }

    @Test("a half-written renewal (new key, old certificate) keeps the working certificate until the pair matches")
    func rotationHalfWritten() async throws {
        try await Self.withLiveFiles { live in
            let (files, directory, certificates) = (FileManager.default, live.directory, live.certificates)
            try files.removeItem(atPath: directory + "/live.key")
            try files.copyItem(atPath: certificates.otherServerKey, toPath: directory + "/live.key")
            #expect(await Self.handshakes(live.web, live.trustsOld) == true)
            try files.removeItem(atPath: directory + "/live.crt")
            try files.copyItem(atPath: certificates.otherServerCertificate, toPath: directory + "/live.crt")
            #expect(await Self.handshakes(live.web, live.trustsNew) == true)
        }
    }

    @Test("a renewal is reported once: a pair that does not load as a failure (the old context kept), the fixed pair as a success")
    func rotationReported() throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = FileManager.default
        try Self.installFirstPair(in: directory, certificates: certificates)
        let reports = Reports()
        let source = TLSContextSource(
            try ServerTLSContext(.init(certificateFile: directory + "/live.crt", privateKeyFile: directory + "/live.key")),
            onRotation: { result in reports.add(result) })
        let original = try #require(source.context)
        #expect(reports.all.isEmpty)

        try files.removeItem(atPath: directory + "/live.key")
        try files.copyItem(atPath: certificates.otherServerKey, toPath: directory + "/live.key")
        _ = source.context
        _ = source.context
        #expect(reports.all.map(\.isSuccess) == [false])
        #expect(source.context?.fileStamps == original.fileStamps)

        try files.removeItem(atPath: directory + "/live.crt")
        try files.copyItem(atPath: certificates.otherServerCertificate, toPath: directory + "/live.crt")
        _ = source.context
        _ = source.context
        #expect(reports.all.map(\.isSuccess) == [false, true])
    }
}

/// The rotation reports, in order; the source calls back on whichever thread asked for a context.
private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Void, ServerTLSError>] = []
    func add(_ result: Result<Void, ServerTLSError>) { lock.withLock { results.append(result) } }
    var all: [Result<Void, ServerTLSError>] { lock.withLock { results } }
}

private extension Result {
    var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}

extension WebConfigRuntimeTests {

    /// The first certificate and key as `live.crt` and `live.key` in `directory`, the names the
    /// rotation tests replace.
    static func installFirstPair(in directory: String, certificates: TLSTestCertificates) throws {
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: directory + "/live.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: directory + "/live.key")
        chmod(directory + "/live.key", 0o600)
    }

    /// A daemon whose web config serves `live.crt` and `live.key` from `directory`, and clients
    /// that trust the first pair's CA (`trustsOld`) or the replacement's (`trustsNew`).
    struct LiveFiles {
        let web: WebDaemon
        let directory: String
        let certificates: TLSTestCertificates
        let trustsOld: NIOSSL.TLSConfiguration
        let trustsNew: NIOSSL.TLSConfiguration
    }

    static func withLiveFiles(_ body: (LiveFiles) async throws -> Void) async throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try installFirstPair(in: directory, certificates: certificates)
        let web = try await WebDaemon(webConfig: "tls_server_config:\n  cert_file: \(directory)/live.crt\n  key_file: \(directory)/live.key\n")
        defer { Task { await web.tearDown() } }
        try await body(LiveFiles(web: web, directory: directory, certificates: certificates,
                                 trustsOld: try certificates.clientTLS(trustingCA: true, certificate: nil),
                                 trustsNew: try certificates.clientTLS(trustingCA: false, certificate: nil)))
    }
}
