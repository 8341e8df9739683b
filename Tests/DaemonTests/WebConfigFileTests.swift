import Daemon
import ExporterConfig
import Foundation
import TestSupport
import Testing
import WebServer

@Suite("Web config file")
struct WebConfigFileTests {
    /// A bcrypt hash of "U*U" from the crypt_blowfish test vectors (made by OpenBSD's bcrypt, not by us).
    static let vectorHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"

    private func parse(_ yaml: String, in directory: String) -> Result<WebConfigFile, ConfigError> {
        Result { () throws(ConfigError) in try WebConfigFile.parse(yaml: yaml, path: directory + "/web.yml") }
    }

    private func loadError(_ yaml: String, in directory: String) throws -> String? {
        try yaml.write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        do throws(ConfigError) {
            _ = try WebConfiguration.load(path: directory + "/web.yml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test("the exporter-toolkit format loads: relative files resolved, defaults filled, users kept")
    func fullFile() throws {
        let certificates = try TLSTestCertificates.get()
        let file = try parse("""
            tls_server_config:
              cert_file: server.crt
              key_file: ./server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            basic_auth_users:
              prometheus: \(Self.vectorHash)
            """, in: certificates.directory).get()
        #expect(file.tlsServerConfig == WebConfigFile.TLSServerConfig(
            certificate: .file(certificates.serverCertificate), key: .file(certificates.serverKey),
            clientAuthType: .requireAndVerify, clientCA: .file(certificates.caCertificate), minVersion: "TLS13"))
        #expect(file.basicAuthUsers == ["prometheus": Self.vectorHash])
        #expect(file.warnings == [])
    }

    @Test("an empty file means plain HTTP without authentication, as in the toolkit")
    func emptyFile() throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try parse("", in: directory).get()
        #expect(file.tlsServerConfig == nil)
        #expect(file.basicAuthUsers == [:])
        let comments = try parse("# nothing yet\n", in: directory).get()
        #expect(comments.tlsServerConfig == nil)
    }

    @Test("mistakes are reported with file, line and key", arguments: [
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  certfile: x\n",
         ":4: tls_server_config.certfile: unknown key 'certfile' (did you mean 'cert_file'?)"),
        ("basic_auth_user:\n  a: b\n", ":1: basic_auth_user: unknown key 'basic_auth_user' (did you mean 'basic_auth_users'?)"),
        ("http_server_config:\n  headers:\n    Server: x\n",
         ":3: http_server_config.headers.Server: HTTP header 'Server' can not be configured; exporter-toolkit allows Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: DENY\n",
         ":3: http_server_config.headers.X-Frame-Options: invalid value 'DENY'; expected one of: deny, sameorigin"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_allowed_sans: [a]\n",
         ":4: tls_server_config.client_allowed_sans: client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert"),
        ("tls_server_config:\n  key_file: server.key\n", ":1: tls_server_config.cert_file: missing one of cert or cert_file"),
        ("tls_server_config:\n  cert_file: server.crt\n  key: \"\"\n", ":1: tls_server_config.key_file: missing one of key or key_file"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: nope.key\n", ":3: tls_server_config.key_file: cannot use '"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n",
         ":4: tls_server_config.min_version: unknown TLS version 'TLS14'; expected one of: TLS10, TLS11, TLS12, TLS13"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n",
         ":4: tls_server_config.client_ca_file: client CA's have been configured without a Client Auth Policy"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCert\n",
         ":4: tls_server_config.client_auth_type: invalid ClientAuth 'VerifyClientCert'; expected one of: NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites:\n    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n    - TLS_RSA_WITH_RC4_128_SHA\n",
         ":4: tls_server_config.cipher_suites[1]: unknown cipher 'TLS_RSA_WITH_RC4_128_SHA'"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  curve_preferences: [P256]\n",
         ":4: tls_server_config.curve_preferences[0]: unknown curve 'P256'; expected one of: CurveP256, CurveP384, CurveP521, X25519"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n",
         ":4: tls_server_config.cipher_suites: with http2 on"),
        ("rate_limit:\n  interval: 1d\n", ":2: rate_limit.interval: invalid duration '1d'"),
        ("basic_auth_users:\n  \"a:b\": x\n", ":2: basic_auth_users.a:b: a user name must not be empty or contain ':'"),
        ("basic_auth_users:\n  alice:\n", ":2: basic_auth_users.alice: expected a bcrypt hash"),
        ("tls_server_config: [a]\n", ":1: tls_server_config: expected a mapping"),
    ])
    func parseErrors(yaml: String, expected: String) throws {
        let certificates = try TLSTestCertificates.get()
        guard case .failure(let error) = parse(yaml, in: certificates.directory) else {
            Issue.record("accepted: \(yaml)")
            return
        }
        #expect(error.description.hasPrefix(certificates.directory + "/web.yml" + expected))
    }

    @Test("a password pasted where a hash belongs is refused without being echoed")
    func plaintextPasswordNotEchoed() throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let message = try loadError("basic_auth_users:\n  alice: hunter2-plaintext\n", in: directory)
        #expect(message?.hasPrefix(directory + "/web.yml:2: basic_auth_users.alice: expected a bcrypt hash") == true)
        #expect(message?.contains("hunter2") == false)
    }

    @Test("$ in a hash is not taken for an environment variable")
    func noEnvironmentExpansion() throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // "$QOau…" would be an unset variable in the main config.
        let hash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"
        let file = try parse("basic_auth_users:\n  bob: \(hash)\n", in: directory).get()
        #expect(file.basicAuthUsers == ["bob": hash])
    }

    @Test("files that exist but do not hold what they should are reported at their key", arguments: [
        ("cert_file: server.key\n  key_file: server.key", ":2: tls_server_config.cert_file: cannot load the certificate from '"),
        ("cert_file: server.crt\n  key_file: server.crt", ":3: tls_server_config.key_file: cannot load the private key from '"),
        ("cert_file: server.crt\n  key_file: self.key", ":3: tls_server_config.key_file: the certificate and key cannot be used together"),
        ("cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: server.key",
         ":5: tls_server_config.client_ca_file: cannot load the client CA certificates from '"),
    ])
    func unloadableFiles(tls: String, expected: String) throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["server.crt", "server.key", "self.key"] {
            try FileManager.default.copyItem(atPath: certificates.directory + "/" + name, toPath: directory + "/" + name)
        }
        let message = try loadError("tls_server_config:\n  \(tls)\n", in: directory)
        #expect(message?.hasPrefix(directory + "/web.yml" + expected) == true, "\(message ?? "loaded")")
        // Nothing from inside a key file ever reaches a message.
        let key = try String(contentsOfFile: directory + "/server.key", encoding: .utf8)
        let body = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        #expect(body.allSatisfy { message?.contains($0) == false })
    }

    @Test("a key file readable by other users loads with a warning naming the file and key")
    func readableKeyWarns() throws {
        let certificates = try TLSTestCertificates.get()
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: directory + "/server.key")
        chmod(directory + "/server.key", 0o640)
        try "tls_server_config:\n  cert_file: \(certificates.serverCertificate)\n  key_file: server.key\n"
            .write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        let web = try WebConfiguration.load(path: directory + "/web.yml")
        #expect(web.warnings.map(\.description) == [
            "\(directory)/web.yml:3: tls_server_config.key_file: '\(directory)/server.key' is readable by its group (mode 0640); make it readable by the daemon only, e.g. chmod 600, or use systemd credentials",
        ])
        #expect(web.tls != nil)
    }

    @Test("what exporter-toolkit loads without a word but may not be meant loads here with a warning at its line", arguments: [
        ("  client_auth_type: RequestClientCert\n",
         ":4: tls_server_config.client_auth_type: RequestClientCert accepts any client certificate without verifying it; use RequireAndVerifyClientCert to authenticate clients"),
        ("  client_auth_type: RequireClientCert\n",
         ":4: tls_server_config.client_auth_type: RequireAnyClientCert accepts any client certificate without verifying it; use RequireAndVerifyClientCert to authenticate clients"),
        ("  client_auth_type: RequireAndVerifyClientCert\n",
         ":4: tls_server_config.client_auth_type: no client_ca_file or client_ca: client certificates are verified against the system's CAs, as exporter-toolkit does"),
        ("  cert: |\n    not read\n",
         ":4: tls_server_config.cert: both cert_file and cert are set; cert_file is used and cert ignored, as exporter-toolkit does"),
    ])
    func loadsWithWarning(extra: String, expected: String) throws {
        let certificates = try TLSTestCertificates.get()
        let file = try parse("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n" + extra,
                             in: certificates.directory).get()
        #expect(file.warnings.map(\.description) == [certificates.directory + "/web.yml" + expected])
        #expect(file.tlsServerConfig != nil)
    }

    @Test("TLS keys without a certificate, key, CA or policy leave TLS off with a warning, as the toolkit's IsEnabled does")
    func tlsKeysWithoutCertificate() throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try parse("tls_server_config:\n  min_version: TLS13\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", in: directory).get()
        #expect(file.tlsServerConfig == nil)
        #expect(file.warnings.map(\.description) == [
            directory + "/web.yml:2: tls_server_config: no certificate is set, so min_version, cipher_suites change nothing and the server speaks plain HTTP, as exporter-toolkit does",
        ])
    }

    @Test("every key of the format is read with the toolkit's meaning and defaults")
    func everyKey() throws {
        let certificates = try TLSTestCertificates.get()
        let file = try parse("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAnyClientCert
              client_ca_file: ca.crt
              client_allowed_sans: [one, 10.0.0.7]
              min_version: TLS11
              max_version: TLS12
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]
              curve_preferences: [X25519, CurveP384]
              prefer_server_cipher_suites: false
            http_server_config:
              http2: false
              headers:
                X-Content-Type-Options: nosniff
                X-XSS-Protection: ""
            rate_limit:
              interval: 500ms
              burst: 3
            """, in: certificates.directory).get()
        #expect(file.tlsServerConfig == WebConfigFile.TLSServerConfig(
            certificate: .file(certificates.serverCertificate), key: .file(certificates.serverKey),
            clientAuthType: .requireAny, clientCA: .file(certificates.caCertificate), clientAllowedSANs: ["one", "10.0.0.7"],
            minVersion: "TLS11", maxVersion: "TLS12",
            cipherSuites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"],
            curvePreferences: ["X25519", "CurveP384"], preferServerCipherSuites: false))
        #expect(file.httpServerConfig == WebConfigFile.HTTPServerConfig(http2: false, headers: [("X-Content-Type-Options", "nosniff")]))
        #expect(file.rateLimit == WebConfigFile.RateLimit(interval: 0.5, burst: 3))

        let defaults = try parse("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n", in: certificates.directory).get()
        #expect(defaults.tlsServerConfig == WebConfigFile.TLSServerConfig(
            certificate: .file(certificates.serverCertificate), key: .file(certificates.serverKey), clientAuthType: .none,
            clientCA: nil, clientAllowedSANs: nil, minVersion: "TLS12", maxVersion: "TLS13", cipherSuites: [], curvePreferences: [],
            preferServerCipherSuites: true))
        #expect(defaults.httpServerConfig == WebConfigFile.HTTPServerConfig(http2: true, headers: []))
        #expect(defaults.rateLimit == nil)
    }

    @Test("an inline key is never shown by a description of the config that holds it")
    func inlineKeyNotDescribed() throws {
        let certificates = try TLSTestCertificates.get()
        let key = try String(contentsOfFile: certificates.serverKey, encoding: .utf8)
        let indented = key.split(separator: "\n").joined(separator: "\n    ")
        let file = try parse("tls_server_config:\n  cert_file: server.crt\n  key: |\n    \(indented)\n", in: certificates.directory).get()
        let server = try #require(file.tlsServerConfig)
        #expect(server.key == .inline(key))
        let body = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for text in [String(describing: file), String(reflecting: file), String(describing: WebConfiguration.serverConfiguration(server)),
                     String(reflecting: WebConfiguration.serverConfiguration(server))] {
            #expect(body.allSatisfy { !text.contains($0) })
            #expect(text.contains("inline PEM (\(key.utf8.count) bytes, not shown)"))
        }
    }
}
