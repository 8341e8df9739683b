import FoundationEssentials
import WebServer

/// `--web.config.file`: the Prometheus exporter-toolkit's web config, read with the toolkit's
/// meaning, defaults and load verdicts, so a file copied from node_exporter loads here as it
/// loads there and a file the toolkit refuses is refused here. Unknown keys fail, as the
/// toolkit's strict YAML does; each refusal names file, line and key, never a value that could
/// be a secret (a key, a hash, a certificate body).
///
/// Where the toolkit loads something questionable (an unverified client certificate policy,
/// `cert` next to `cert_file`), it loads here too, with a warning the daemon logs.
///
/// Unlike the main config, `$` is never expanded: bcrypt hashes are full of it.
public struct WebConfigFile: Sendable, Equatable {
    public struct TLSServerConfig: Sendable, Equatable {
        public var certificate: ServerTLSConfiguration.PEM
        public var key: ServerTLSConfiguration.PEM
        public var clientAuthType: ServerTLSConfiguration.ClientAuth
        /// Nil with a verifying policy means the system's CAs, as Go's nil `ClientCAs` does.
        public var clientCA: ServerTLSConfiguration.PEM?
        /// Nil when not set; exact matches against the client certificate's DNS, e-mail, IP and URI SANs.
        public var clientAllowedSANs: [String]?
        /// `TLS10` … `TLS13`.
        public var minVersion: String
        public var maxVersion: String
        /// Go names as written; empty means the TLS library's defaults.
        public var cipherSuites: [String]
        public var curvePreferences: [String]
        /// Accepted for compatibility; Go itself has ignored it since 1.18 (see README).
        public var preferServerCipherSuites: Bool

        public init(certificate: ServerTLSConfiguration.PEM, key: ServerTLSConfiguration.PEM,
                    clientAuthType: ServerTLSConfiguration.ClientAuth = .none, clientCA: ServerTLSConfiguration.PEM? = nil, clientAllowedSANs: [String]? = nil, minVersion: String = "TLS12",
                    maxVersion: String = "TLS13", cipherSuites: [String] = [], curvePreferences: [String] = [],
                    preferServerCipherSuites: Bool = true) {
            self.certificate = certificate
            self.key = key
            self.clientAuthType = clientAuthType
            self.clientCA = clientCA
            self.clientAllowedSANs = clientAllowedSANs
            self.minVersion = minVersion
            self.maxVersion = maxVersion
            self.cipherSuites = cipherSuites
            self.curvePreferences = curvePreferences
            self.preferServerCipherSuites = preferServerCipherSuites
        }
    }

    public struct HTTPServerConfig: Sendable, Equatable {
        /// On by default in the toolkit. This server speaks HTTP/1.1 only (see README), so it
        /// matters here only for the toolkit's cipher rule it switches on.
        public var http2: Bool = true
        /// Response headers, in the file's order, blanks left out ("unset if blank").
        public var headers: [(name: String, value: String)] = []

        public init(http2: Bool = true, headers: [(name: String, value: String)] = []) {
            self.http2 = http2
            self.headers = headers
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.http2 == rhs.http2 && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    /// A token bucket: one request every `interval` seconds, bursts of `burst`. The toolkit
    /// turns it off for a zero interval; a zero burst with an interval refuses every request.
    public struct RateLimit: Sendable, Equatable {
        public var interval: Double
        public var burst: Int

        public init(interval: Double, burst: Int) {
            self.interval = interval
            self.burst = burst
        }
    }

    public var path: String
    /// Nil when no certificate, key, CA or client auth policy is set: plain HTTP.
    public var tlsServerConfig: TLSServerConfig?
    public var httpServerConfig = HTTPServerConfig()
    /// Nil when not set or with a zero interval.
    public var rateLimit: RateLimit?
    /// User name → the hash as written; the caller checks it is bcrypt.
    public var basicAuthUsers: [String: String]
    public var warnings: [ConfigWarning]
    /// Line of each key path read, so problems found later (a certificate that does not parse)
    /// can still be reported at their key.
    var lines: [String: Int]

    static let topLevelKeys: Set<String> = ["tls_server_config", "http_server_config", "rate_limit", "basic_auth_users"]
    static let tlsKeys: Set<String> = [
        "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
        "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites", "client_allowed_sans",
    ]
    /// The log line of warnings about settings the toolkit loads as written but that may not
    /// say what the operator meant.
    static let toolkitCaveat = "web config loads as exporter-toolkit loads it, but check this setting"
    static let httpKeys: Set<String> = ["http2", "headers"]
    static let rateLimitKeys: Set<String> = ["interval", "burst"]
    /// The toolkit's `extraHTTPHeaders`: the headers it lets a web config set, with the values
    /// allowed where the header's values are an enumeration (exact, case-sensitive, as there).
    public static let allowedHeaders: [String: [String]] = [
        "Strict-Transport-Security": [], "X-Content-Type-Options": ["nosniff"], "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": [], "Content-Security-Policy": [],
    ]

    /// An error at `key` (a path such as `tls_server_config.cert_file`), on its line if it was read.
    public func error(key: String, message: String) -> ConfigError {
        ConfigError(file: path, line: lines[key], key: key, message: message)
    }

    public static func load(path: String) throws(ConfigError) -> WebConfigFile {
        try parse(yaml: try FileCheck.yamlText(at: path, name: "web config file"), path: path)
    }

    /// `path` names the file in messages and anchors relative paths; it is not read.
    public static func parse(yaml: String, path: String) throws(ConfigError) -> WebConfigFile {
        var file = WebConfigFile(path: path, tlsServerConfig: nil, basicAuthUsers: [:], warnings: [], lines: [:])
        // An empty file is valid, as in the toolkit: plain HTTP, no authentication.
        guard let yamlRoot = try YAMLComposer.compose(yaml, file: path) else { return file }
        let root = try ConfigNode(yaml: yamlRoot, file: path, path: "", environment: nil)
        if root.isNull { return file }
        let document = try ConfigMapping(root, file: path, path: "")
        try document.rejectUnknownKeys(allowed: topLevelKeys)

        // Read first: the toolkit's HTTP/2 cipher rule depends on `http2`.
        if let http = try document.mapping("http_server_config") {
            try http.rejectUnknownKeys(allowed: httpKeys)
            file.httpServerConfig.http2 = try http.bool("http2") ?? true
            file.httpServerConfig.headers = try headers(in: http)
        }
        if let tls = try document.mapping("tls_server_config") {
            for entry in tls.entries { file.lines[tls.keyPath(entry.key)] = entry.keyLine }
            try file.readTLS(tls, baseDirectory: FileCheck.directory(of: path))
        }
        if let limit = try document.mapping("rate_limit") {
            try limit.rejectUnknownKeys(allowed: rateLimitKeys)
            let interval = try limit.duration("interval") ?? 0
            let burst = try limit.int("burst") ?? 0
            guard burst >= 0 else { throw limit.error("burst", "expected a number of requests, 0 or more") }
            if interval > 0 {
                file.rateLimit = RateLimit(interval: interval, burst: burst)
                if burst == 0 {
                    file.warnings.append(ConfigWarning(
                        file: path, line: limit.entry("burst")?.keyLine ?? limit.line, key: limit.keyPath("burst"),
                        message: "a burst of 0 refuses every request with 429, as exporter-toolkit does; set burst to 1 or more",
                        headline: toolkitCaveat))
                }
            }
        }
        if let users = try document.mapping("basic_auth_users") {
            for entry in users.entries {
                let key = users.keyPath(entry.key)
                file.lines[key] = entry.keyLine
                guard !entry.key.isEmpty, !entry.key.contains(":") else {
                    throw ConfigError(file: path, line: entry.keyLine, key: key, message: "a user name must not be empty or contain ':'")
                }
                // The value is never echoed: it should be a hash, but may be a pasted password.
                guard let scalar = entry.value.scalar, !scalar.isNull, !scalar.text.isEmpty else {
                    throw ConfigError(file: path, line: entry.value.line, key: key, message: "expected a bcrypt hash")
                }
                file.basicAuthUsers[entry.key] = scalar.text
            }
        }
        return file
    }

    private static func headers(in http: ConfigMapping) throws(ConfigError) -> [(name: String, value: String)] {
        guard let mapping = try http.mapping("headers") else { return [] }
        var headers: [(name: String, value: String)] = []
        for entry in mapping.entries {
            guard let allowed = allowedHeaders[entry.key] else {
                throw ConfigError(file: http.file, line: entry.keyLine, key: mapping.keyPath(entry.key),
                                  message: "HTTP header '\(entry.key)' can not be configured; exporter-toolkit allows "
                                      + allowedHeaders.keys.sorted().joined(separator: ", "))
            }
            guard let scalar = entry.value.scalar else {
                throw ConfigError(file: http.file, line: entry.value.line, key: mapping.keyPath(entry.key), message: "expected a string")
            }
            let value = scalar.isNull ? "" : scalar.text
            if !allowed.isEmpty, !allowed.contains(value) {
                throw ConfigError(file: http.file, line: entry.value.line, key: mapping.keyPath(entry.key),
                                  message: "invalid value '\(value)'; expected one of: " + allowed.joined(separator: ", "))
            }
            if !value.isEmpty { headers.append((entry.key, value)) }
        }
        return headers
    }

    /// The toolkit's `ConfigToTLSConfig`, rule for rule: TLS is on when any certificate, key, CA
    /// or client auth policy is set; then both a certificate and a key are needed.
    private mutating func readTLS(_ tls: ConfigMapping, baseDirectory: String) throws(ConfigError) {
        try tls.rejectUnknownKeys(allowed: Self.tlsKeys)
        // Go reads an empty string as unset.
        func text(_ key: String) throws(ConfigError) -> String? {
            guard let value = try tls.string(key), !value.isEmpty else { return nil }
            return value
        }
        // Words are checked whether or not TLS ends up on: the toolkit's YAML decoding does.
        let cipherSuites = try tls.stringList("cipher_suites") ?? []
        for (index, name) in cipherSuites.enumerated() where GoTLSNames.cipherSuites[name] == nil {
            throw ConfigError(file: path, line: tls.entry("cipher_suites")?.keyLine, key: tls.keyPath("cipher_suites") + "[\(index)]",
                              message: "unknown cipher '\(name)'; expected a name from Go's tls.CipherSuites(): "
                                  + GoTLSNames.cipherSuites.keys.sorted().joined(separator: ", "))
        }
        let curves = try tls.stringList("curve_preferences") ?? []
        for (index, name) in curves.enumerated() where GoTLSNames.curves[name] == nil {
            throw ConfigError(file: path, line: tls.entry("curve_preferences")?.keyLine, key: tls.keyPath("curve_preferences") + "[\(index)]",
                              message: "unknown curve '\(name)'; expected one of: " + GoTLSNames.curves.keys.sorted().joined(separator: ", "))
        }
        var versions: [String] = []
        for (key, fallback) in [("min_version", "TLS12"), ("max_version", "TLS13")] {
            let version = try tls.string(key) ?? fallback
            guard GoTLSNames.versions.contains(version) else {
                throw tls.error(key, "unknown TLS version '\(version)'; expected one of: " + GoTLSNames.versions.joined(separator: ", "))
            }
            versions.append(version)
        }
        let preferServer = try tls.bool("prefer_server_cipher_suites") ?? true
        let allowedSANs = try tls.stringList("client_allowed_sans")
        let authWord = try text("client_auth_type")

        let certFile = try text("cert_file"), cert = try text("cert")
        let keyFile = try text("key_file"), key = try text("key")
        let caFile = try text("client_ca_file"), ca = try text("client_ca")
        guard certFile != nil || cert != nil || keyFile != nil || key != nil || caFile != nil || ca != nil || authWord != nil else {
            let ignored = tls.entries.filter { !$0.value.isNull }.map(\.key)
            if let first = ignored.first {
                warnings.append(ConfigWarning(
                    file: path, line: tls.entry(first)?.keyLine, key: tls.path,
                    message: "no certificate is set, so \(ignored.joined(separator: ", ")) change nothing and the server speaks plain HTTP, as exporter-toolkit does",
                    headline: Self.toolkitCaveat))
            }
            return
        }
        guard certFile != nil || cert != nil else {
            throw ConfigError(file: path, line: tls.line, key: tls.keyPath("cert_file"), message: "missing one of cert or cert_file")
        }
        guard keyFile != nil || key != nil else {
            throw ConfigError(file: path, line: tls.line, key: tls.keyPath("key_file"), message: "missing one of key or key_file")
        }
        for (fileKey, inlineKey, both) in [("cert_file", "cert", certFile != nil && cert != nil),
                                           ("key_file", "key", keyFile != nil && key != nil),
                                           ("client_ca_file", "client_ca", caFile != nil && ca != nil)] where both {
            warnings.append(ConfigWarning(
                file: path, line: tls.entry(inlineKey)?.keyLine, key: tls.keyPath(inlineKey),
                message: "both \(fileKey) and \(inlineKey) are set; \(fileKey) is used and \(inlineKey) ignored, as exporter-toolkit does",
                headline: Self.toolkitCaveat))
        }
        let certificate: ServerTLSConfiguration.PEM = if let certFile {
            .file(try existingFile(certFile, key: "cert_file", in: tls, baseDirectory: baseDirectory))
        } else {
            .inline(cert ?? "")
        }
        let privateKey: ServerTLSConfiguration.PEM = if let keyFile {
            .file(try existingFile(keyFile, key: "key_file", in: tls, baseDirectory: baseDirectory))
        } else {
            .inline(key ?? "")
        }
        var clientCA: ServerTLSConfiguration.PEM?
        if let caFile {
            clientCA = .file(try existingFile(caFile, key: "client_ca_file", in: tls, baseDirectory: baseDirectory))
        } else if let ca {
            clientCA = .inline(ca)
        }

        // `RequireClientCert` is the toolkit's old spelling of `RequireAnyClientCert`, still accepted there.
        var clientAuth = ServerTLSConfiguration.ClientAuth.none
        if let authWord {
            guard let type = ServerTLSConfiguration.ClientAuth(rawValue: authWord == "RequireClientCert" ? "RequireAnyClientCert" : authWord) else {
                throw tls.error("client_auth_type", "invalid ClientAuth '\(authWord)'; expected one of: "
                    + ServerTLSConfiguration.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))
            }
            clientAuth = type
        }
        if clientCA != nil, clientAuth == .none {
            let key = caFile != nil ? "client_ca_file" : "client_ca"
            throw tls.error(key, "client CA's have been configured without a Client Auth Policy: set client_auth_type, e.g. RequireAndVerifyClientCert")
        }
        if allowedSANs != nil, !clientAuth.requiresCertificate {
            throw tls.error("client_allowed_sans", "client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert")
        }
        if httpServerConfig.http2, !cipherSuites.isEmpty, versions[0] != "TLS13",
           GoTLSNames.http2RequiredCipherSuites.isDisjoint(with: cipherSuites) {
            throw tls.error("cipher_suites", "with http2 on (http_server_config.http2, the default) cipher_suites needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or exporter-toolkit's HTTP/2 server does not start; add one or set http2: false")
        }
        if clientAuth == .request || clientAuth == .requireAny {
            warnings.append(ConfigWarning(
                file: path, line: tls.entry("client_auth_type")?.keyLine, key: tls.keyPath("client_auth_type"),
                message: "\(clientAuth.rawValue) accepts any client certificate without verifying it; use RequireAndVerifyClientCert to authenticate clients",
                headline: Self.toolkitCaveat))
        } else if clientAuth != .none, clientCA == nil {
            warnings.append(ConfigWarning(
                file: path, line: tls.entry("client_auth_type")?.keyLine, key: tls.keyPath("client_auth_type"),
                message: "no client_ca_file or client_ca: client certificates are verified against the system's CAs, as exporter-toolkit does",
                headline: Self.toolkitCaveat))
        }
        if case .file(let keyPath) = privateKey,
           let warning = SecretFilePermissions.warning(path: keyPath, file: path, line: tls.entry("key_file")?.keyLine,
                                                       key: tls.keyPath("key_file")) {
            warnings.append(warning)
        }
        tlsServerConfig = TLSServerConfig(
            certificate: certificate, key: privateKey, clientAuthType: clientAuth, clientCA: clientCA,
            clientAllowedSANs: allowedSANs, minVersion: versions[0], maxVersion: versions[1], cipherSuites: cipherSuites,
            curvePreferences: curves, preferServerCipherSuites: preferServer)
    }

    private func existingFile(_ written: String, key: String, in mapping: ConfigMapping, baseDirectory: String) throws(ConfigError) -> String {
        let resolved = FileCheck.resolve(written, against: baseDirectory)
        if let problem = FileCheck.problem(at: resolved) {
            throw mapping.error(key, "cannot use '\(resolved)': \(problem)")
        }
        return resolved
    }
}
