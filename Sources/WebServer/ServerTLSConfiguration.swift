/// What an HTTPS listener needs, in the TLS library's terms: certificate and key (files or inline
/// PEM), the client certificate policy, versions, ciphers and groups. Files are read only when a
/// `ServerTLSContext` is made from it, so renewed files can be picked up (see `TLSContextSource`).
public struct ServerTLSConfiguration: Sendable, Equatable {
    /// PEM text from a file (read when a context is made, and again when the file changes) or
    /// written inline. Inline text may be a private key, so no description of it shows the text.
    public enum PEM: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        case file(String)
        case inline(String)

        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .inline(let text): "inline PEM (\(text.utf8.count) bytes, not shown)"
            }
        }

        public var debugDescription: String { description }

        var path: String? {
            if case .file(let path) = self { path } else { nil }
        }
    }

    /// Go's five `tls.ClientAuthType` policies, as exporter-toolkit offers them, named by the
    /// words a web config file writes.
    public enum ClientAuth: String, Sendable, Equatable, CaseIterable {
        /// No client certificate is asked for.
        case none = "NoClientCert"
        /// A certificate is asked for, not required, and not verified.
        case request = "RequestClientCert"
        /// A certificate is required but not verified: any certificate passes.
        case requireAny = "RequireAnyClientCert"
        /// A certificate is optional, but one that is shown must chain to the client CAs.
        case verifyIfGiven = "VerifyClientCertIfGiven"
        /// Every client must show a certificate that chains to the client CAs.
        case requireAndVerify = "RequireAndVerifyClientCert"

        var asksForCertificate: Bool { self != .none }
        var verifiesCertificate: Bool { self == .verifyIfGiven || self == .requireAndVerify }
        /// The policies `client_allowed_sans` needs: a client must show a certificate.
        public var requiresCertificate: Bool { self == .requireAny || self == .requireAndVerify }
    }

    public enum Version: String, Sendable, Equatable, CaseIterable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"
    }

    /// The server certificate, optionally followed by its intermediates.
    public var certificate: PEM
    public var privateKey: PEM
    public var clientAuth: ClientAuth
    /// The CAs client certificates must chain to; nil with a verifying policy means the system's CAs.
    public var clientCA: PEM?
    /// When set, a client certificate must carry one of these SANs (DNS, e-mail, IP or URI, exact
    /// match) or the connection is closed right after the handshake.
    public var allowedClientSANs: [String]?
    /// TLS 1.2 to 1.3 by default, as in exporter-toolkit.
    public var minimumVersion: Version
    public var maximumVersion: Version
    /// OpenSSL cipher names for TLS 1.2 and below, in preference order; empty for the library's
    /// defaults. TLS 1.3 suites cannot be restricted (nor can they in Go).
    public var cipherSuites: [String]
    /// IANA TLS group ids for key exchange, in preference order; empty for the library's defaults.
    public var curves: [UInt16]

    public init(certificate: PEM, privateKey: PEM, clientAuth: ClientAuth = .none, clientCA: PEM? = nil,
                allowedClientSANs: [String]? = nil, minimumVersion: Version = .tls12, maximumVersion: Version = .tls13,
                cipherSuites: [String] = [], curves: [UInt16] = []) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.clientAuth = clientAuth
        self.clientCA = clientCA
        self.allowedClientSANs = allowedClientSANs
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherSuites = cipherSuites
        self.curves = curves
    }

    public init(certificateFile: String, privateKeyFile: String, clientAuth: ClientAuth = .none,
                clientCAFile: String? = nil, minimumVersion: Version = .tls12) {
        self.init(certificate: .file(certificateFile), privateKey: .file(privateKeyFile), clientAuth: clientAuth,
                  clientCA: clientCAFile.map(PEM.file), minimumVersion: minimumVersion)
    }

    /// The files a context made from this reads: the ones whose change means a new context.
    var files: [String] {
        [certificate.path, privateKey.path, clientCA?.path].compactMap { $0 }
    }
}
