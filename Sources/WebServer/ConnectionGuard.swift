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
/// In any phase, while the channel is not writable (its queue above NIO's high-water mark: the
/// client reads slower than the answer is written, or not at all) the write-stall deadline
/// replaces the phase's: it closes a connection whose socket takes no byte for
/// `writeStallTimeout`.
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
    /// The answer being written says `Connection: close` (or is HTTP/1.0 without keep-alive).
    private var closeAfterResponse = false
    /// The channel is not writable: the client has taken none of what is queued for it lately.
    private var stalled = false

    init(id: UInt64, registry: ConnectionRegistry, limits: ConnectionLimits) {
        self.id = id
        self.registry = registry
        self.limits = limits
    }

    /// Added in the child channel initializer, right after accept: the header deadline starts now.
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armForPhase()
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
        armForPhase()
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
            armForPhase()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closeAfterResponse = !head.isKeepAlive
        case .body:
            break
        case .end:
            if case .answering = phase {
                phase = .idle
                registry.markIdle(id)
                armForPhase()
            }
            if closeAfterResponse {
                // The last answer on this connection: close once the socket has taken all of it.
                // Closing when the handler returns would drop what is still queued in the channel
                // (most of a page larger than the kernel's send buffer); a client that stops
                // reading is closed by the write-stall deadline instead.
                let written = promise ?? context.eventLoop.makePromise()
                context.write(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { [self] _ in
                    self.context?.close(promise: nil)
                }
                return
            }
        }
        context.write(data, promise: promise)
    }

    /// The send buffer filled up (not writable) or drained below NIO's low-water mark (writable
    /// again). While the client takes none of its answer only the write-stall deadline runs; when
    /// it takes some, the phase's own deadline starts again. The answer's end usually passes here
    /// after the buffer filled (the whole answer is written at once), so without this the idle
    /// deadline would also cut a slow reader of a large page in the middle of it.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let stalledNow = !context.channel.isWritable
        if stalledNow != stalled {
            stalled = stalledNow
            if stalled {
                armStall(queued: Self.queuedBytes(context))
            } else {
                armForPhase()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// The deadline the phase calls for, unless the write-stall one runs.
    private func armForPhase() {
        guard !stalled else { return }
        switch phase {
        case .readingHead, .readingBody: arm(limits.headerReadTimeout)
        case .answering: disarm()
        case .idle: arm(limits.idleTimeout)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    /// The write-stall deadline: when it passes, the connection is closed if the socket took none
    /// of the `queued` bytes meanwhile, and given another `writeStallTimeout` if it took some.
    /// Writability alone says nothing about progress: one large buffer keeps the channel above
    /// the low-water mark until nearly all of it is sent, however steadily the client reads.
    private func armStall(queued: Int) {
        deadline?.cancel()
        guard let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.writeStallTimeout)) { [self] in
            self.deadline = nil
            guard let context = self.context else { return }
            let left = Self.queuedBytes(context)
            if left < queued {
                self.armStall(queued: left)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// Bytes written to the channel and not yet taken by the socket (0 if the channel cannot say,
    /// which makes the stall deadline a plain one).
    private static func queuedBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
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
