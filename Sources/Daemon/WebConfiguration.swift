import ExporterConfig
import WebServer

/// `--web.config.file` turned into what the HTTP server uses: a loaded TLS context and a basic
/// auth checker. Loading reads every certificate and key, so a file that loads here serves; a
/// problem is a `ConfigError` at the key that named the file, as for the main config.
///
/// Basic auth covers every path except `/-/healthy`, which must answer a liveness probe that
/// carries no credentials (systemd, a load balancer) and tells nothing but "the process runs".
/// `/-/ready` and `/-/reload` are covered: readiness reveals state and reload changes it.
public struct WebConfiguration: Sendable {
    public var path: String?
    public var tls: ServerTLSContext?
    public var authenticator: BasicAuthenticator?
    public var warnings: [ConfigWarning]

    /// Paths answered without credentials.
    static let unauthenticatedPaths: Set<Substring> = ["/-/healthy"]

    /// Plain HTTP, no authentication: what no `--web.config.file` means.
    public static let none = WebConfiguration(path: nil, tls: nil, authenticator: nil, warnings: [])

    public static func load(path: String?) throws(ConfigError) -> WebConfiguration {
        guard let path else { return .none }
        let file = try WebConfigFile.load(path: path)
        var tls: ServerTLSContext?
        if let server = file.tlsServerConfig {
            let clientAuth: ServerTLSConfiguration.ClientAuth = switch server.clientAuthType {
            case .noClientCert: .none
            case .verifyClientCertIfGiven: .verifyIfGiven
            case .requireAndVerifyClientCert: .requireAndVerify
            }
            let configuration = ServerTLSConfiguration(
                certificateFile: server.certFile, privateKeyFile: server.keyFile, clientAuth: clientAuth,
                clientCAFile: server.clientCAFile,
                minimumVersion: ServerTLSConfiguration.Version(rawValue: server.minVersion) ?? .tls12)
            do {
                tls = try ServerTLSContext(configuration)
            } catch {
                throw file.error(key: Self.key(for: error), message: error.description)
            }
        }
        var authenticator: BasicAuthenticator?
        if !file.basicAuthUsers.isEmpty {
            for (user, hash) in file.basicAuthUsers where !Bcrypt.isHash(hash) {
                throw file.error(key: "basic_auth_users.\(user)",
                                 message: "expected a bcrypt hash ($2y$, $2b$ or $2a$ and 60 characters, e.g. from `htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n'`); the value is not shown")
            }
            authenticator = BasicAuthenticator(users: file.basicAuthUsers)
        }
        return WebConfiguration(path: path, tls: tls, authenticator: authenticator, warnings: file.warnings)
    }

    private static func key(for error: ServerTLSError) -> String {
        switch error {
        case .certificate: "tls_server_config.cert_file"
        case .privateKey: "tls_server_config.key_file"
        case .clientCA: "tls_server_config.client_ca_file"
        case .context: "tls_server_config.key_file"
        }
    }
}
