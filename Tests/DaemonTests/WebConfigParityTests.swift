import Foundation
import TestSupport
import Testing

/// Every web config in `WebConfigParity/` goes through `backup-exporter check-config
/// --web.config.file`, and the verdict must be exporter-toolkit's, written in the fixture's
/// header: `load`, or `refuse` with the key the refusal must name (with file and line).
///
/// Where the verdicts come from (prometheus/exporter-toolkit, read at commit 0089e786 for
/// `web/tls_config.go` and `docs/web-configuration.md`, 01a67209 for `web/handler.go` and
/// `web/tls_config_test.go`):
/// - the fixtures named after `web/testdata/*` files hold those files' text (certificate names
///   mapped to certificates generated here) and the verdict `TestYAMLFiles` and
///   `TestServerBehaviour` expect of them; a `.bad` file whose failure is a run-time one (a
///   client refused for its SANs) is expected to load;
/// - `noHTTP2Cipher.bad` is refused by `Serve` (Go's HTTP/2 server checks the cipher list), not
///   by `Validate`: the daemon fails to start there, so it is refused here;
/// - the `docs_*` fixtures are the rules of `ConfigToTLSConfig`, `getConfig` and
///   `validateHeaderConfig`, and the examples of `docs/web-configuration.md` and
///   `docs/web-config.yml`, one case each. Where the docs and the code disagree (`cert` next to
///   `cert_file`), the code's verdict is the one expected.
/// No Go toolchain runs here: the verdicts are read from that source, not observed.
@Suite("Web config parity with exporter-toolkit")
struct WebConfigParityTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var refusedAt: String?
        var testDescription: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("WebConfigParity").path

    static let fixtures: [Fixture] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return nil }
            let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }
            let verdict = header.first { $0.hasPrefix("# exporter-toolkit: ") }.map { $0.dropFirst("# exporter-toolkit: ".count) }
            let key = header.first { $0.hasPrefix("# refused at: ") }.map { String($0.dropFirst("# refused at: ".count)) }
            return Fixture(name: name, text: text, refusedAt: verdict == "refuse" ? (key ?? "") : nil)
        }
    }()

    @Test("the parity fixtures are all there and each states a verdict")
    func fixturesPresent() throws {
        #expect(Self.fixtures.count == 54)
        for fixture in Self.fixtures {
            #expect(fixture.text.contains("# exporter-toolkit: load\n") || fixture.refusedAt != nil, "\(fixture.name)")
        }
    }

    @Test("check-config gives exporter-toolkit's verdict", arguments: fixtures)
    func verdict(_ fixture: Fixture) async throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The toolkit's testdata names, played by the generated certificates.
        for (name, source) in [("server.crt", certificates.serverCertificate), ("server.key", certificates.serverKey),
                               ("tls-ca-chain.pem", certificates.caCertificate), ("client_selfsigned.pem", certificates.caCertificate),
                               ("client2_selfsigned.pem", certificates.caCertificate)] {
            try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
        }
        try "not a certificate\n".write(toFile: directory + "/tls-ca-chain-invalid.pem", atomically: true, encoding: .utf8)
        func indented(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").joined(separator: "\n    ")
        }
        let text = fixture.text
            .replacingOccurrences(of: "@SERVER_CRT@", with: try indented(certificates.serverCertificate))
            .replacingOccurrences(of: "@SERVER_KEY@", with: try indented(certificates.serverKey))
            .replacingOccurrences(of: "@CA_CRT@", with: try indented(certificates.caCertificate))
        let web = directory + "/" + fixture.name
        try text.write(toFile: web, atomically: true, encoding: .utf8)
        let config = directory + "/config.yaml"
        try "targets:\n  - { name: a, vendor: inet, url: \"http://127.0.0.1:1\", auth: { token: t } }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)

        let check = try ChildProcess(
            executable: "backup-exporter", arguments: ["check-config", config, "--web.config.file", web], directory: directory)
        let status = await check.waitForExit(timeout: 20)
        let output = check.output
        if let key = fixture.refusedAt {
            #expect(status == 1, "exporter-toolkit refuses \(fixture.name); check-config said: \(output)")
            let pattern = NSRegularExpression.escapedPattern(for: web) + #":\d+: "#
                + (key.isEmpty ? "" : NSRegularExpression.escapedPattern(for: key) + ": ")
            let located = try NSRegularExpression(pattern: pattern)
                .firstMatch(in: output, range: NSRange(output.startIndex..., in: output)) != nil
            #expect(located, "the refusal should name \(web), a line and \(key): \(output)")
        } else {
            #expect(status == 0, "exporter-toolkit loads \(fixture.name); check-config said: \(output)")
            #expect(output.contains(web + ": OK"), "\(output)")
        }
        // Nothing secret is echoed: no key body, no hash.
        let key = try String(contentsOfFile: certificates.serverKey, encoding: .utf8)
        for line in key.split(separator: "\n") where !line.hasPrefix("-----") {
            #expect(!output.contains(line))
        }
        #expect(output.firstMatch(of: /\$2[aby]\$[0-9]{2}\$/) == nil, "a bcrypt hash was echoed: \(output)")
    }

    @Test("check-config reports a node_exporter web config as start-up applies it: policy, ciphers, headers, limit, warnings")
    func summary() async throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let web = directory + "/web.yml"
        try """
            tls_server_config:
              cert_file: \(certificates.serverCertificate)
              key_file: \(certificates.serverKey)
              client_auth_type: RequireAnyClientCert
              client_allowed_sans: [prometheus.example.net]
              max_version: TLS12
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
              curve_preferences: [X25519]
            http_server_config:
              headers:
                X-Frame-Options: deny
            rate_limit:
              interval: 100ms
              burst: 20
            """.write(toFile: web, atomically: true, encoding: .utf8)
        let config = directory + "/config.yaml"
        try "targets:\n  - { name: a, vendor: inet, url: \"http://127.0.0.1:1\", auth: { token: t } }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let check = try ChildProcess(
            executable: "backup-exporter", arguments: ["check-config", config, "--web.config.file", web], directory: directory)
        #expect(await check.waitForExit(timeout: 20) == 0)
        let lines = check.output.split(separator: "\n").map(String.init)
        #expect(lines.contains(web + ": OK, TLS on, basic auth off, TLS versions TLS12-TLS12, client certificates RequireAnyClientCert, "
            + "client SANs 1 allowed, cipher suites 2, curves 1, headers X-Frame-Options, rate limit 1 per 100ms, burst 20"), "\(lines)")
        #expect(lines.contains("warning: " + web + ":4: tls_server_config.client_auth_type: RequireAnyClientCert accepts any client "
            + "certificate without verifying it; use RequireAndVerifyClientCert to authenticate clients"), "\(lines)")
    }
}
