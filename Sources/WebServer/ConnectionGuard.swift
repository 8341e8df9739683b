import NIOCore
import NIOHTTP1

/// One connection's deadlines and its idle/busy state in the server's `ConnectionRegistry`. It
/// sits after NIO's HTTP handlers, where a request's head and end and a response's end show; its
/// `ByteArrivalObserver` sits before the decoder and tells it when the first byte of a next
/// request arrives on an idle keep-alive connection.
///
/// The phases, and what closes the connection in each:
/// - reading a request (from accept, or from the first byte after a response, until the request's
///   end): `headerReadTimeout`; evictable at the cap until the head has arrived;
/// - answering (request read, response not yet ended): nothing here, the handler is ours;
/// - idle (response ended, no byte of a next request yet): `idleTimeout`; evictable.
///
/// Bytes of a pipelined request that arrive while a response is written are parsed and held by
/// NIO's pipelining handler; if they are only part of a head, the idle deadline (not the header
/// one) bounds the wait for the rest.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        case readingHead, readingBody, answering, idle
    }

    private let id: UInt64
    private let registry: ConnectionRegistry
    private let limits: ConnectionLimits
    private var phase = Phase.readingHead
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(id: UInt64, registry: ConnectionRegistry, limits: ConnectionLimits) {
        self.id = id
        self.registry = registry
        self.limits = limits
    }

    /// Added in the child channel initializer, right after accept: the header deadline starts now.
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        arm(limits.headerReadTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    /// From `ByteArrivalObserver`: bytes before the decoder.
    func bytesArrived() {
        guard case .idle = phase else { return }
        phase = .readingHead
        arm(limits.headerReadTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            registry.markBusy(id)
        case .body:
            break
        case .end:
            phase = .answering
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .answering = phase {
            phase = .idle
            registry.markIdle(id, since: .now())
            arm(limits.idleTimeout)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: Duration) {
        deadline?.cancel()
        guard let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            self.deadline = nil
            self.context?.close(promise: nil)
        }
    }
}

/// Tells the connection's `ConnectionGuard` that request bytes arrived, before the HTTP decoder
/// turns them into parts (a partial head shows here and nowhere else).
final class ByteArrivalObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionGuard: ConnectionGuard

    init(notifying connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesArrived()
        context.fireChannelRead(data)
    }
}
