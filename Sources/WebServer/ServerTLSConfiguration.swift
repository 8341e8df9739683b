/// What an HTTPS listener needs: its certificate and key files, and whether clients must show a
/// certificate of their own. Paths are read only when a `ServerTLSContext` is made from it, so a
/// reload can pick up renewed files.
public struct ServerTLSConfiguration: Sendable, Equatable {
    /// Client certificates. The Prometheus exporter-toolkit also knows `RequestClientCert` and
    /// `RequireAnyClientCert`, which accept a certificate without verifying it: they protect
    /// nothing, so they are not offered.
    public enum ClientAuth: Sendable, Equatable {
        /// No client certificate is asked for.
        case none
        /// A certificate is optional, but one that is shown must chain to `clientCAFile`.
        case verifyIfGiven
        /// Every client must show a certificate that chains to `clientCAFile`.
        case requireAndVerify
    }

    public enum Version: String, Sendable, Equatable, CaseIterable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"
    }

    /// PEM: the server certificate, optionally followed by its intermediates.
    public var certificateFile: String
    /// PEM private key of the certificate.
    public var privateKeyFile: String
    public var clientAuth: ClientAuth
    /// PEM bundle of the CAs client certificates must chain to; required unless `clientAuth` is `.none`.
    public var clientCAFile: String?
    /// TLS 1.2 by default, as the exporter-toolkit does.
    public var minimumVersion: Version

    public init(certificateFile: String, privateKeyFile: String, clientAuth: ClientAuth = .none,
                clientCAFile: String? = nil, minimumVersion: Version = .tls12) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.clientAuth = clientAuth
        self.clientCAFile = clientCAFile
        self.minimumVersion = minimumVersion
    }
}
