import NIOSSL

/// A loaded server TLS setup: certificates parsed, key checked against the certificate. Making
/// one reads the files, so a successful init means connections can be served with it.
public struct ServerTLSContext: Sendable {
    let context: NIOSSLContext
    public let configuration: ServerTLSConfiguration

    public init(_ configuration: ServerTLSConfiguration) throws(ServerTLSError) {
        self.configuration = configuration
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile)
        } catch {
            throw .certificate(path: configuration.certificateFile, reason: Self.reason(error))
        }
        guard !chain.isEmpty else {
            throw .certificate(path: configuration.certificateFile, reason: "no PEM certificate in the file")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: configuration.privateKeyFile, format: .pem)
        } catch {
            throw .privateKey(path: configuration.privateKeyFile, reason: Self.reason(error))
        }
        var tls = NIOSSL.TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = switch configuration.minimumVersion {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
        if configuration.clientAuth != .none {
            guard let caFile = configuration.clientCAFile else {
                throw .clientCA(path: "", reason: "client certificates are verified but no client CA file is set")
            }
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !roots.isEmpty else { throw ServerTLSError.clientCA(path: caFile, reason: "no PEM certificate in the file") }
                tls.trustRoots = .certificates(roots)
            } catch let error as ServerTLSError {
                throw error
            } catch {
                throw .clientCA(path: caFile, reason: Self.reason(error))
            }
            tls.certificateVerification = configuration.clientAuth == .requireAndVerify ? .noHostnameVerification : .optionalVerification
        }
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw .context(reason: Self.reason(error))
        }
    }

    /// NIOSSL's own descriptions: they name BoringSSL's error codes (`NO_START_LINE`,
    /// `KEY_VALUES_MISMATCH`), never the file's contents.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? NIOSSLError else { return "\(error)" }
        switch error {
        case .noSuchFilesystemObject: return "no such file"
        case .failedToLoadCertificate: return "not a PEM certificate"
        case .failedToLoadPrivateKey: return "not a PEM private key (or protected by a passphrase)"
        default: return "\(error)"
        }
    }
}
