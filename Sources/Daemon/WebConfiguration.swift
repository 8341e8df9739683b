import ExporterConfig
import WebServer

/// `--web.config.file` turned into what the HTTP server uses: a loaded TLS context, a basic auth
/// checker, the configured response headers and the rate limit. Loading reads every certificate
/// and key, so a file that loads here serves; a problem is a `ConfigError` at the key that named
/// the file, as for the main config.
///
/// Basic auth covers every path except `/-/healthy`, which must answer a liveness probe that
/// carries no credentials (systemd, a load balancer) and tells nothing but "the process runs".
/// `/-/ready` and `/-/reload` are covered: readiness reveals state and reload changes it.
public struct WebConfiguration: Sendable {
    public var path: String?
    public var tls: ServerTLSContext?
    public var authenticator: BasicAuthenticator?
    /// Added to every response but a rate limit refusal, as the toolkit does.
    public var headers: [(name: String, value: String)]
    public var rateLimit: WebConfigFile.RateLimit?
    public var warnings: [ConfigWarning]

    /// Paths answered without credentials.
    static let unauthenticatedPaths: Set<Substring> = ["/-/healthy"]

    /// Plain HTTP, no authentication: what no `--web.config.file` means.
    public static let none = WebConfiguration(path: nil, tls: nil, authenticator: nil, headers: [], rateLimit: nil, warnings: [])

    public static func load(path: String?) throws(ConfigError) -> WebConfiguration {
        guard let path else { return .none }
        let file = try WebConfigFile.load(path: path)
        var tls: ServerTLSContext?
        if let server = file.tlsServerConfig {
            do {
                tls = try ServerTLSContext(serverConfiguration(server))
            } catch {
                throw file.error(key: Self.key(for: error, in: server), message: error.description)
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
        return WebConfiguration(path: path, tls: tls, authenticator: authenticator, headers: file.httpServerConfig.headers,
                                rateLimit: file.rateLimit, warnings: file.warnings)
    }

    /// One line for `check-config` and the start-up log: what the server will do, no secret.
    /// `TLS off, basic auth on` first, as before, then the TLS policy, headers and rate limit.
    public var summary: String {
        var parts = ["TLS \(tls == nil ? "off" : "on")", "basic auth \(authenticator == nil ? "off" : "on")"]
        if let server = tls?.configuration {
            parts.append("TLS versions \(server.minimumVersion.rawValue)-\(server.maximumVersion.rawValue)")
            parts.append("client certificates \(server.clientAuth.rawValue)")
            if let sans = server.allowedClientSANs { parts.append("client SANs \(sans.count) allowed") }
            if !server.cipherSuites.isEmpty { parts.append("cipher suites \(server.cipherSuites.count)") }
            if !server.curves.isEmpty { parts.append("curves \(server.curves.count)") }
        }
        if !headers.isEmpty { parts.append("headers " + headers.map { $0.name }.joined(separator: " ")) }
        if let rateLimit {
            parts.append("rate limit 1 per \(DurationParser.format(rateLimit.interval)), burst \(rateLimit.burst)")
        }
        return parts.joined(separator: ", ")
    }

    /// The toolkit's Go words in the TLS library's terms; the words were checked by the parser.
    public static func serverConfiguration(_ server: WebConfigFile.TLSServerConfig) -> ServerTLSConfiguration {
        ServerTLSConfiguration(
            certificate: server.certificate, privateKey: server.key, clientAuth: server.clientAuthType,
            clientCA: server.clientCA, allowedClientSANs: server.clientAllowedSANs,
            minimumVersion: ServerTLSConfiguration.Version(rawValue: server.minVersion) ?? .tls12,
            maximumVersion: ServerTLSConfiguration.Version(rawValue: server.maxVersion) ?? .tls13,
            cipherSuites: server.cipherSuites.compactMap { GoTLSNames.cipherSuites[$0] ?? nil },
            curves: server.curvePreferences.compactMap { GoTLSNames.curves[$0] })
    }

    private static func key(for error: ServerTLSError, in server: WebConfigFile.TLSServerConfig) -> String {
        func named(_ source: ServerTLSConfiguration.PEM?, file: String, inline: String) -> String {
            if case .inline = source { "tls_server_config." + inline } else { "tls_server_config." + file }
        }
        return switch error {
        case .certificate: named(server.certificate, file: "cert_file", inline: "cert")
        case .privateKey, .context: named(server.key, file: "key_file", inline: "key")
        case .clientCA: named(server.clientCA, file: "client_ca_file", inline: "client_ca")
        }
    }
}
