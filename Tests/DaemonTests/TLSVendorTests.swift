import Adapters
import AsyncHTTPClient
import BackupModel
import Daemon
import Foundation
import Logging
import Simulator
import TestSupport
import Testing
import WebServer

@Suite("TLS towards vendors")
struct TLSVendorTests {
    @Test("verification is on by default: an untrusted certificate is reason tls; ca_file or insecure_skip_verify make the target up")
    func vendorCertificates() async throws {
        let certificates = try TLSTestCertificates.get()
        let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 1)
        let inet = InetSimulator(jobs: [DaemonFixture.nightly], credentials: .init(token: DaemonFixture.token, username: "u", password: "p"),
                                 clock: clock, epoch: DaemonFixture.epoch)
        let signed = try await VendorSimulator.start(
            vendor: "inet", tls: ServerTLSContext(.init(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        ) { await inet.handle($0) }
        let selfSigned = try await VendorSimulator.start(
            vendor: "inet", tls: ServerTLSContext(.init(certificateFile: certificates.selfSignedCertificate, privateKeyFile: certificates.selfSignedKey))
        ) { await inet.handle($0) }
        #expect(signed.baseURL.hasPrefix("https://127.0.0.1:"))

        let directory = try TemporaryDirectory.kept()
        let client = VendorHTTPClient()
        func target(_ name: String, _ url: String, tls: String = "") -> String {
            "  - name: \(name)\n    vendor: inet\n    url: \(url)\n    auth:\n      token: \(DaemonFixture.token)\n" + (tls.isEmpty ? "" : "    tls:\n\(tls)")
        }
        let config = "defaults:\n  interval: 500ms\n  timeout: 2s\n  jitter: 0%\ntargets:\n"
            + target("signed-default", signed.baseURL)
            + target("signed-ca-file", signed.baseURL, tls: "      ca_file: \(certificates.caCertificate)\n")
            + target("signed-other-ca", signed.baseURL, tls: "      ca_file: \(certificates.otherCACertificate)\n")
            + target("self-signed-default", selfSigned.baseURL)
            + target("self-signed-skip", selfSigned.baseURL, tls: "      insecure_skip_verify: true\n")
            + target("self-signed-pinned", selfSigned.baseURL, tls: "      ca_file: \(certificates.selfSignedCertificate)\n")
        try config.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let daemon = try DaemonFixture.makeDaemon(options: DaemonFixture.options(directory: directory), environment: [:], client: client,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await daemon.start()
        defer {
            Task {
                await daemon.stop()
                await signed.stop()
                await selfSigned.stop()
                try? await client.shutdown()
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        let expectedUp = ["signed-ca-file": 1.0, "self-signed-skip": 1, "self-signed-pinned": 1,
                          "signed-default": 0, "signed-other-ca": 0, "self-signed-default": 0]
        var page = MetricsPage("")
        _ = await eventually(timeout: 15) {
            let text = (try? await httpGet("http://127.0.0.1:\(await daemon.boundPort ?? 0)/metrics")) ?? ""
            page = MetricsPage(text)
            return expectedUp.allSatisfy { name, up in
                page.value("backup_target_up", ["target": name]) == up
                    && (up == 1 || (page.value("backup_target_poll_errors_total", ["target": name, "reason": "tls"]) ?? 0) >= 1)
            }
        }
        for (name, up) in expectedUp.sorted(by: { $0.key < $1.key }) {
            #expect(page.value("backup_target_up", ["target": name]) == up, "\(name)")
            if up == 0 {
                #expect((page.value("backup_target_poll_errors_total", ["target": name, "reason": "tls"]) ?? 0) >= 1, "\(name)")
                #expect(page.value("backup_target_poll_errors_total", ["target": name, "reason": "connect"]) == 0, "\(name)")
            } else {
                #expect(page.value("backup_target_poll_errors_total", ["target": name, "reason": "tls"]) == 0, "\(name)")
            }
        }
        // The job list really came through the verified connection.
        #expect(page.state(target: "signed-ca-file", job: DaemonFixture.nightly.id) == "waiting")
        #expect(page.state(target: "self-signed-skip", job: DaemonFixture.nightly.id) == "waiting")
    }
}
