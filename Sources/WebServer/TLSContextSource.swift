import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context an `HTTPServer` gives each new connection. Replacing it (a reload with renewed
/// certificates) affects connections accepted afterwards; open ones keep the context they
/// started with. A nil context serves plain HTTP.
public final class TLSContextSource: Sendable {
    private let current: NIOLockedValueBox<ServerTLSContext?>

    public init(_ context: ServerTLSContext? = nil) {
        current = NIOLockedValueBox(context)
    }

    public func replace(with context: ServerTLSContext?) {
        current.withLockedValue { $0 = context }
    }

    public var context: ServerTLSContext? { current.withLockedValue { $0 } }

    /// The handler that terminates TLS on a new connection, or nil for plain HTTP.
    func makeHandler() -> NIOSSLServerHandler? {
        guard let context else { return nil }
        return NIOSSLServerHandler(context: context.context)
    }
}
