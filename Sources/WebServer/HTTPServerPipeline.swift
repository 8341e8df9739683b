import NIOCore
import NIOHTTP1

/// The HTTP/1.1 handlers every server here puts on a new connection: TLS when the source holds
/// a context, then NIO's codec with pipelining and protocol-error handling. Shared by the
/// daemon's `HTTPServer` and the simulator's server so both speak the same HTTP/1 (and take TLS
/// from the same reloadable source) while each keeps its own way of answering.
public enum HTTPServerPipeline {
    /// Adds the handlers to `channel`; call it on the channel's event loop (a child channel
    /// initializer). A head (request line and fields) over `maxHeaderBytes` is a protocol error:
    /// answered 400 and closed.
    public static func configure(_ channel: any Channel, tls: TLSContextSource?, maxHeaderBytes: Int = 80 << 10) throws {
        try configure(channel, tls: tls, maxHeaderBytes: maxHeaderBytes, connectionGuard: nil)
    }

    /// As above, with the daemon's per-connection deadlines: the guard's byte observer goes
    /// between TLS and the decoder (it must see plaintext, and a partial head), the guard after
    /// the HTTP handlers.
    static func configure(_ channel: any Channel, tls: TLSContextSource?, maxHeaderBytes: Int,
                          connectionGuard: ConnectionGuard?) throws {
        let pipeline = channel.pipeline.syncOperations
        for handler in tls?.makeHandlers() ?? [] {
            try pipeline.addHandler(handler)
        }
        if let connectionGuard {
            try pipeline.addHandler(ByteArrivalObserver(notifying: connectionGuard))
        }
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = maxHeaderBytes
        decoderLimits.maxHeaderListSize = maxHeaderBytes
        try pipeline.configureHTTPServerPipeline(
            withErrorHandling: true, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
        if let connectionGuard {
            try pipeline.addHandler(connectionGuard)
        }
    }
}
