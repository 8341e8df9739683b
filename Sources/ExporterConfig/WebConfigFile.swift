import Foundation

/// `--web.config.file`: the Prometheus exporter-toolkit's web config, so an operator can reuse
/// the file (and the habits) of node_exporter. Keys are checked as strictly as the main config;
/// toolkit keys this daemon does not implement are refused by name rather than ignored, since a
/// silently ignored `client_allowed_sans` would weaken what the operator asked for.
///
/// Unlike the main config, `$` is never expanded: bcrypt hashes are full of it.
public struct WebConfigFile: Sendable, Equatable {
    public enum ClientAuthType: String, Sendable, Equatable, CaseIterable {
        case noClientCert = "NoClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
    }

    public struct TLSServerConfig: Sendable, Equatable {
        /// Absolute paths (relative ones are resolved against the web config's folder). Checked
        /// to exist, not read: loading them is the TLS layer's job.
        public var certFile: String
        public var keyFile: String
        public var clientAuthType: ClientAuthType
        public var clientCAFile: String?
        /// `TLS10` … `TLS13`; `TLS12` when not set, as in the toolkit.
        public var minVersion: String

        public init(certFile: String, keyFile: String, clientAuthType: ClientAuthType = .noClientCert,
                    clientCAFile: String? = nil, minVersion: String = "TLS12") {
            self.certFile = certFile
            self.keyFile = keyFile
            self.clientAuthType = clientAuthType
            self.clientCAFile = clientCAFile
            self.minVersion = minVersion
        }
    }

    public var path: String
    public var tlsServerConfig: TLSServerConfig?
    /// User name → the hash as written; the caller checks it is bcrypt.
    public var basicAuthUsers: [String: String]
    public var warnings: [ConfigWarning]
    /// Line of each key path read, so problems found later (a certificate that does not parse)
    /// can still be reported at their key.
    var lines: [String: Int]

    static let topLevelKeys: Set<String> = ["tls_server_config", "basic_auth_users"]
    static let tlsKeys: Set<String> = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version"]
    /// exporter-toolkit keys that are valid there but not implemented here.
    static let unsupportedKeys: Set<String> = [
        "http_server_config", "cert", "key", "client_ca", "cipher_suites", "curve_preferences", "max_version",
        "prefer_server_cipher_suites", "client_allowed_sans",
    ]
    static let tlsVersions = ["TLS10", "TLS11", "TLS12", "TLS13"]

    /// An error at `key` (a path such as `tls_server_config.cert_file`), on its line if it was read.
    public func error(key: String, message: String) -> ConfigError {
        ConfigError(file: path, line: lines[key], key: key, message: message)
    }

    public static func load(path: String) throws(ConfigError) -> WebConfigFile {
        if let problem = FileCheck.problem(at: path) {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the web config file: \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the web config file: permission denied")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, key: "", message: "the web config file is not UTF-8 text")
        }
        return try parse(yaml: yaml, path: path)
    }

    /// `path` names the file in messages and anchors relative paths; it is not read.
    public static func parse(yaml: String, path: String) throws(ConfigError) -> WebConfigFile {
        var file = WebConfigFile(path: path, tlsServerConfig: nil, basicAuthUsers: [:], warnings: [], lines: [:])
        // An empty file is valid, as in the toolkit: plain HTTP, no authentication.
        guard let yamsRoot = try ConfigLoader.compose(yaml, file: path) else { return file }
        let root = try ConfigNode(yams: yamsRoot, file: path, path: "", environment: nil)
        if root.isNull { return file }
        let document = try ConfigMapping(root, file: path, path: "")
        try rejectUnknownKeys(document, allowed: topLevelKeys)
        let baseDirectory = FileCheck.directory(of: path)

        if let tls = try document.mapping("tls_server_config") {
            try rejectUnknownKeys(tls, allowed: tlsKeys)
            for entry in tls.entries { file.lines[tls.keyPath(entry.key)] = entry.keyLine }
            let certFile = try existingFile("cert_file", in: tls, baseDirectory: baseDirectory)
            let keyFile = try existingFile("key_file", in: tls, baseDirectory: baseDirectory)
            var clientAuthType = ClientAuthType.noClientCert
            if let word = try tls.string("client_auth_type") {
                guard let type = ClientAuthType(rawValue: word) else {
                    throw tls.error("client_auth_type", clientAuthMessage(word))
                }
                clientAuthType = type
            }
            var clientCAFile: String?
            if tls.entry("client_ca_file") != nil {
                clientCAFile = try existingFile("client_ca_file", in: tls, baseDirectory: baseDirectory)
            }
            if clientAuthType != .noClientCert, clientCAFile == nil {
                throw tls.error("client_auth_type", "\(clientAuthType.rawValue) needs client_ca_file, the CAs client certificates must chain to")
            }
            let minVersion = try tls.string("min_version") ?? "TLS12"
            guard tlsVersions.contains(minVersion) else {
                throw tls.error("min_version", "unknown TLS version '\(minVersion)'; expected one of: " + tlsVersions.joined(separator: ", "))
            }
            if let warning = SecretFilePermissions.warning(path: keyFile, file: path, line: tls.entry("key_file")?.keyLine,
                                                           key: tls.keyPath("key_file")) {
                file.warnings.append(warning)
            }
            file.tlsServerConfig = TLSServerConfig(certFile: certFile, keyFile: keyFile, clientAuthType: clientAuthType,
                                                   clientCAFile: clientCAFile, minVersion: minVersion)
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

    private static func rejectUnknownKeys(_ mapping: ConfigMapping, allowed: Set<String>) throws(ConfigError) {
        for entry in mapping.entries where !allowed.contains(entry.key) && unsupportedKeys.contains(entry.key) {
            throw ConfigError(file: mapping.file, line: entry.keyLine, key: mapping.keyPath(entry.key),
                              message: "'\(entry.key)' is an exporter-toolkit setting backup-exporter does not support")
        }
        try mapping.rejectUnknownKeys(allowed: allowed)
    }

    private static func clientAuthMessage(_ word: String) -> String {
        let known = ClientAuthType.allCases.map(\.rawValue)
        if word == "RequestClientCert" || word == "RequireAnyClientCert" {
            return "'\(word)' accepts client certificates without verifying them and is not supported; use "
                + known.dropFirst().joined(separator: " or ")
        }
        return "unknown client_auth_type '\(word)'; expected one of: " + known.joined(separator: ", ")
    }

    private static func existingFile(_ key: String, in mapping: ConfigMapping, baseDirectory: String) throws(ConfigError) -> String {
        let written = try mapping.require(key, mapping.string)
        let resolved = FileCheck.resolve(written, against: baseDirectory)
        if let problem = FileCheck.problem(at: resolved) {
            throw mapping.error(key, "cannot use '\(resolved)': \(problem)")
        }
        return resolved
    }
}
