/// Why a `ServerTLSConfiguration` could not be turned into a context. Each case names the file
/// at fault, so the caller can point at the config key that named it. Messages never contain
/// file contents (a key file's bytes are a secret).
public enum ServerTLSError: Error, Sendable, Equatable, CustomStringConvertible {
    case certificate(path: String, reason: String)
    case privateKey(path: String, reason: String)
    case clientCA(path: String, reason: String)
    /// The files load, but the TLS library refuses them together (most often: the key does not
    /// belong to the certificate).
    case context(reason: String)

    public var description: String {
        switch self {
        case .certificate(let path, let reason): "cannot load the certificate from '\(path)': \(reason)"
        case .privateKey(let path, let reason): "cannot load the private key from '\(path)': \(reason)"
        case .clientCA(let path, let reason): "cannot load the client CA certificates from '\(path)': \(reason)"
        case .context(let reason): "the certificate and key cannot be used together: \(reason)"
        }
    }
}
