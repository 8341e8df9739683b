import NIOCore
import NIOSSL

/// A loaded server TLS setup: certificates parsed, key checked against the certificate. Making
/// one reads the files, so a successful init means connections can be served with it.
public struct ServerTLSContext: Sendable {
    let context: NIOSSLContext
    public let configuration: ServerTLSConfiguration
    /// The files as they were just before they were read: a later difference means they changed.
    let fileStamps: [FileStamp?]

    public init(_ configuration: ServerTLSConfiguration) throws(ServerTLSError) {
        self.configuration = configuration
        fileStamps = configuration.files.map(FileStamp.init(path:))
        let chain: [NIOSSLCertificate]
        do {
            chain = try Self.certificates(configuration.certificate)
        } catch {
            throw .certificate(path: Self.name(configuration.certificate), reason: Self.reason(error))
        }
        guard !chain.isEmpty else {
            throw .certificate(path: Self.name(configuration.certificate), reason: "no PEM certificate in it")
        }
        let key: NIOSSLPrivateKey
        do {
            key = switch configuration.privateKey {
            case .file(let path): try NIOSSLPrivateKey(file: path, format: .pem)
            case .inline(let text): try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
            }
        } catch {
            throw .privateKey(path: Self.name(configuration.privateKey), reason: Self.reason(error))
        }
        var tls = NIOSSL.TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = Self.version(configuration.minimumVersion)
        tls.maximumTLSVersion = Self.version(configuration.maximumVersion)
        if !configuration.cipherSuites.isEmpty {
            tls.cipherSuites = configuration.cipherSuites.joined(separator: ":")
        }
        if !configuration.curves.isEmpty {
            tls.curves = configuration.curves.map { NIOTLSCurve(rawValue: $0) }
        }
        let clientAuth = configuration.clientAuth
        if clientAuth.verifiesCertificate, let ca = configuration.clientCA {
            do {
                let roots = try Self.certificates(ca)
                guard !roots.isEmpty else { throw ServerTLSError.clientCA(path: Self.name(ca), reason: "no PEM certificate in it") }
                tls.trustRoots = .certificates(roots)
            } catch let error as ServerTLSError {
                throw error
            } catch {
                throw .clientCA(path: Self.name(ca), reason: Self.reason(error))
            }
        }
        if clientAuth.asksForCertificate {
            // Unverified policies pass every certificate through `acceptAnyCertificate`, which
            // replaces the chain check; the verification mode still decides whether one is required.
            tls.certificateVerification = clientAuth.requiresCertificate ? .noHostnameVerification : .optionalVerification
        }
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw .context(reason: Self.reason(error))
        }
    }

    /// True when a certificate, key or CA file is not what it was when this context read it.
    var filesChanged: Bool {
        configuration.files.map(FileStamp.init(path:)) != fileStamps
    }

    /// The TLS handler for a new connection, then the client SAN check when one is configured.
    func makeHandlers() -> [any ChannelHandler] {
        let tlsHandler: NIOSSLServerHandler
        switch configuration.clientAuth {
        case .request, .requireAny:
            tlsHandler = NIOSSLServerHandler(context: context) { _, promise in promise.succeed(.certificateVerified) }
        case .none, .verifyIfGiven, .requireAndVerify:
            tlsHandler = NIOSSLServerHandler(context: context)
        }
        guard let sans = configuration.allowedClientSANs else { return [tlsHandler] }
        return [tlsHandler, ClientSANCheck(allowed: Set(sans))]
    }

    private static func certificates(_ pem: ServerTLSConfiguration.PEM) throws -> [NIOSSLCertificate] {
        switch pem {
        case .file(let path): try NIOSSLCertificate.fromPEMFile(path)
        case .inline(let text): try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
        }
    }

    private static func version(_ version: ServerTLSConfiguration.Version) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }

    /// The file's path, or "inline" for PEM written in the config: never the text itself.
    private static func name(_ pem: ServerTLSConfiguration.PEM) -> String {
        pem.path ?? "inline PEM"
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
