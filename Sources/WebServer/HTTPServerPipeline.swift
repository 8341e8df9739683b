import NIOCore
import NIOHTTP1

/// The HTTP/1.1 handlers every server here puts on a new connection: TLS when the source holds
/// a context, then NIO's codec with pipelining and protocol-error handling. Shared by the
/// daemon's `HTTPServer` and the simulator's server so both speak the same HTTP/1 (and take TLS
/// from the same reloadable source) while each keeps its own way of answering.
public enum HTTPServerPipeline {
    /// Adds the handlers to `channel`; call it on the channel's event loop (a child channel
    /// initializer).
    public static func configure(_ channel: any Channel, tls: TLSContextSource?) throws {
        let pipeline = channel.pipeline.syncOperations
        for handler in tls?.makeHandlers() ?? [] {
            try pipeline.addHandler(handler)
        }
        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
    }
}
