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
            certFile: certificates.serverCertificate, keyFile: certificates.serverKey,
            clientAuthType: .requireAndVerifyClientCert, clientCAFile: certificates.caCertificate, minVersion: "TLS13"))
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
        ("http_server_config:\n  http2: false\n",
         ":1: http_server_config: 'http_server_config' is an exporter-toolkit setting backup-exporter does not support"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_allowed_sans: [a]\n",
         ":4: tls_server_config.client_allowed_sans: 'client_allowed_sans' is an exporter-toolkit setting backup-exporter does not support"),
        ("tls_server_config:\n  key_file: server.key\n", ":1: tls_server_config.cert_file: missing required key"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: nope.key\n", ":3: tls_server_config.key_file: cannot use '"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n",
         ":4: tls_server_config.min_version: unknown TLS version 'TLS14'; expected one of: TLS10, TLS11, TLS12, TLS13"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
         ":4: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs client_ca_file, the CAs client certificates must chain to"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n  client_ca_file: ca.crt\n",
         ":4: tls_server_config.client_auth_type: 'RequireAnyClientCert' accepts client certificates without verifying them and is not supported; use VerifyClientCertIfGiven or RequireAndVerifyClientCert"),
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
}
