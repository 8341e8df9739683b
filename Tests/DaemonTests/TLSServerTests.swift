import Adapters
import AsyncHTTPClient
import BackupModel
import Daemon
import ExporterConfig
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import TestSupport
import Testing
import WebServer

/// A daemon in this process serving its endpoints with a `--web.config.file`; its one target
/// points at a closed port, since only the HTTP surface is under test.
final class WebDaemon: @unchecked Sendable {
    let directory: String
    let daemon: Daemon
    let client: HTTPClient
    let vendors = VendorHTTPClient()
    var webConfigPath: String { directory + "/web.yml" }

    init(webConfig: String) async throws {
        directory = try TemporaryDirectory.kept()
        var configuration = HTTPClient.Configuration()
        // A refused handshake should fail the request now, not be retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        try webConfig.write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        try "targets:\n  - name: nowhere\n    vendor: inet\n    url: http://127.0.0.1:1\n    interval: 1h\n"
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let options = DaemonOptions(
            configPath: directory + "/config.yaml", listenAddress: ListenAddress(host: "127.0.0.1", port: 0),
            storagePath: directory + "/state", build: BuildInfo(version: "test", swiftVersion: "6"), shutdownGrace: 1,
            webConfigPath: directory + "/web.yml")
        daemon = try DaemonFixture.makeDaemon(options: options, environment: [:], client: vendors,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await daemon.start()
        } catch {
            await tearDown()
            throw error
        }
    }

    func url(_ path: String, scheme: String = "https") async -> String {
        "\(scheme)://127.0.0.1:\(await daemon.boundPort ?? 0)\(path)"
    }

    /// Status, `WWW-Authenticate` and body of one request; throws on transport and TLS errors.
    func get(_ path: String, scheme: String = "https", tls: NIOSSL.TLSConfiguration?, user: String? = nil,
             password: String? = nil, newConnection: Bool = false) async throws -> (status: Int, challenge: String?, body: String, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: await url(path, scheme: scheme))
        request.tlsConfiguration = tls
        // Closed after the answer, so the next request makes a new handshake.
        if newConnection { request.headers.add(name: "Connection", value: "close") }
        if let user, let password {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.first(name: "WWW-Authenticate"), String(buffer: body), response.headers)
    }

    func tearDown() async {
        await daemon.stop()
        try? await client.shutdown()
        try? await vendors.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("TLS and basic auth on the daemon's endpoints")
struct TLSServerTests {
    static let password = "scrape-password-5d1e"

    /// The web config every test here starts from: the test certificates, and `prometheus` with
    /// a bcrypt hash of `password`.
    private static func webConfig(_ certificates: TLSTestCertificates, extraTLS: String = "") throws -> String {
        let hash = try #require(Bcrypt.hash(password: password, cost: 4))
        return """
        tls_server_config:
          cert_file: \(certificates.serverCertificate)
          key_file: \(certificates.serverKey)
        \(extraTLS)
        basic_auth_users:
          prometheus: \(hash)
        """
    }

    @Test("over HTTPS a right password gets the page, a wrong or missing one a 401 challenge, /-/healthy needs none")
    func basicAuthOverTLS() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: try Self.webConfig(certificates))
        defer { Task { await web.tearDown() } }
        let tls = try certificates.clientTLS()

        let right = try await web.get("/metrics", tls: tls, user: "prometheus", password: Self.password)
        #expect(right.status == 200)
        #expect(right.body.contains("backup_exporter_build_info"))
        let wrong = try await web.get("/metrics", tls: tls, user: "prometheus", password: "not-" + Self.password)
        #expect(wrong.status == 401)
        #expect(wrong.challenge == #"Basic realm="backup-exporter""#)
        #expect(!wrong.body.contains("backup_"))
        let missing = try await web.get("/metrics", tls: tls)
        #expect(missing.status == 401)
        for path in ["/", "/status", "/-/ready"] {
            #expect(try await web.get(path, tls: tls).status == 401, "\(path)")
            #expect(try await web.get(path, tls: tls, user: "prometheus", password: Self.password).status == 200, "\(path)")
        }
        let healthy = try await web.get("/-/healthy", tls: tls)
        #expect(healthy.status == 200)
        #expect(healthy.body == "Healthy.\n")
    }

    @Test("a client that does not trust the CA, or speaks plain HTTP, gets no answer; trusting it gets 200")
    func handshake() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: try Self.webConfig(certificates))
        defer { Task { await web.tearDown() } }

        let untrusted = await #expect(throws: NIOSSLError.self) {
            _ = try await web.get("/-/healthy", tls: try certificates.clientTLS(trustingCA: false))
        }
        guard case .handshakeFailed = untrusted else {
            Issue.record("expected a failed handshake, got \(String(describing: untrusted))")
            return
        }
        // The server answers a plain request with a TLS alert and a close, never with a page.
        await #expect(throws: HTTPClientError.remoteConnectionClosed) {
            _ = try await web.get("/-/healthy", scheme: "http", tls: nil)
        }
        #expect(try await web.get("/-/healthy", tls: try certificates.clientTLS()).status == 200)
    }

    @Test("with RequireAndVerifyClientCert a client without a certificate fails, one with the CA's certificate passes")
    func mutualTLS() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: try Self.webConfig(certificates, extraTLS: """
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: \(certificates.caCertificate)
            """))
        defer { Task { await web.tearDown() } }

        // The server's alert: certificate required.
        await #expect(throws: BoringSSLError.self) {
            _ = try await web.get("/-/healthy", tls: try certificates.clientTLS())
        }
        let withCertificate = try await web.get("/metrics", tls: try certificates.clientTLS(withClientCertificate: true),
                                                user: "prometheus", password: Self.password)
        #expect(withCertificate.status == 200)
    }

    @Test("a reload applies a new user list and plain HTTP; a broken web config is rejected at its line and the old one stays")
    func reload() async throws {
        let certificates = try TLSTestCertificates.get()
        let web = try await WebDaemon(webConfig: try Self.webConfig(certificates))
        defer { Task { await web.tearDown() } }
        let tls = try certificates.clientTLS()

        try "tls_server_config:\n  cert_file: \(certificates.serverCertificate)\n  key_file: missing.key\n"
            .write(toFile: web.webConfigPath, atomically: true, encoding: .utf8)
        guard case .failure(let error) = await web.daemon.reload() else {
            Issue.record("a web config naming a missing key file was accepted")
            return
        }
        #expect(error.description == "\(web.webConfigPath):3: tls_server_config.key_file: cannot use '\(web.directory)/missing.key': no such file")
        #expect(try await web.get("/metrics", tls: tls, user: "prometheus", password: Self.password).status == 200)

        let newHash = try #require(Bcrypt.hash(password: "rotated", cost: 4))
        try "basic_auth_users:\n  grafana: \(newHash)\n".write(toFile: web.webConfigPath, atomically: true, encoding: .utf8)
        #expect((try? await web.daemon.reload().get()) == 1)
        #expect(try await web.get("/metrics", scheme: "http", tls: nil, user: "grafana", password: "rotated").status == 200)
        #expect(try await web.get("/metrics", scheme: "http", tls: nil, user: "prometheus", password: Self.password).status == 401)
    }

    @Test("a broken web config stops start-up with file, line and key")
    func brokenAtStart() async throws {
        do {
            let web = try await WebDaemon(webConfig: "basic_auth_users:\n  alice: not-a-hash\n")
            await web.tearDown()
            Issue.record("start-up accepted a user without a bcrypt hash")
        } catch let error as ConfigError {
            #expect(error.line == 2)
            #expect(error.key == "basic_auth_users.alice")
            #expect(!error.description.contains("not-a-hash"))
        }
    }
}
