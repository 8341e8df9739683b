import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The TLS context an `HTTPServer` gives each new connection. Replacing it (a reload) affects
/// connections accepted afterwards; open ones keep the context they started with. A nil context
/// serves plain HTTP.
///
/// Renewed certificates are picked up without a reload, as exporter-toolkit does by re-reading
/// its files for every connection: before each handshake the certificate, key and CA files are
/// `stat`ed, and when one changed the context is rebuilt from the same configuration. A rebuild
/// that fails (a key written before its certificate) keeps the working context and is retried
/// when the files change again.
public final class TLSContextSource: Sendable {
    private struct State {
        var context: ServerTLSContext?
        /// Stamps of files that failed to load, so a broken set is not re-read per connection.
        var failedStamps: [FileStamp?]?
    }

    private let state: NIOLockedValueBox<State>
    private let onRotation: (@Sendable (Result<Void, ServerTLSError>) -> Void)?

    /// `onRotation` hears of each rebuild after changed files, for a log line.
    public init(_ context: ServerTLSContext? = nil, onRotation: (@Sendable (Result<Void, ServerTLSError>) -> Void)? = nil) {
        state = NIOLockedValueBox(State(context: context))
        self.onRotation = onRotation
    }

    public func replace(with context: ServerTLSContext?) {
        state.withLockedValue { $0 = State(context: context) }
    }

    /// The current context, rebuilt first if its files changed.
    public var context: ServerTLSContext? {
        var outcome: Result<Void, ServerTLSError>?
        let context = state.withLockedValue { state -> ServerTLSContext? in
            guard let context = state.context, context.filesChanged else { return state.context }
            let stamps = context.configuration.files.map(FileStamp.init(path:))
            if state.failedStamps == stamps { return context }
            do throws(ServerTLSError) {
                let renewed = try ServerTLSContext(context.configuration)
                state = State(context: renewed)
                outcome = .success(())
                return renewed
            } catch {
                state.failedStamps = stamps
                outcome = .failure(error)
                return context
            }
        }
        if let outcome { onRotation?(outcome) }
        return context
    }

    /// The handlers that terminate TLS on a new connection (and check client SANs), or none for
    /// plain HTTP.
    func makeHandlers() -> [any ChannelHandler] {
        context?.makeHandlers() ?? []
    }
}
