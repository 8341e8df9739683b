import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import WebServer

/// The simulated vendors' HTTP/1.1 server: keep-alive, answers in request order, and the
/// misbehaviour real appliances show on the wire (a reset mid-body, a body that drips, one cut
/// short, a connection dropped without an answer) that the adapters' fault tests need.
///
/// It is the daemon's `HTTPServer` taken apart on purpose: the daemon must never be able to send
/// such bytes, so the faults live here, in the test and demo module, and the two servers share
/// only NIO, `HTTPServerPipeline` and the request and response types. It stays a channel handler
/// because each fault is a direct act on the channel (SO_LINGER, a timer per chunk, a close).
public final class SimulatorHTTPServer: Sendable {
    /// How an answer goes on the wire.
    public enum Delivery: Sendable, Equatable {
        /// Head and whole body, keep-alive as the client asked.
        case normal
        /// Announce the full `Content-Length` but send only the first `bytes` bytes, then close.
        case truncated(bytes: Int)
        /// Close the connection without answering.
        case dropConnection
        /// Send the first `bytes` bytes, then reset the connection (RST, not an orderly close).
        case reset(afterBytes: Int)
        /// Send the body `chunk` bytes at a time, one chunk per `intervalMilliseconds`: a server
        /// that answers, but too slowly to ever finish within a timeout.
        case drip(chunk: Int, intervalMilliseconds: Int64)
    }

    /// A response and how to deliver it. The faulty deliveries treat `body + tail` as one body.
    public struct Answer: Sendable {
        public var response: HTTPResponse
        public var delivery: Delivery

        public init(_ response: HTTPResponse, delivery: Delivery = .normal) {
            self.response = response
            self.delivery = delivery
        }
    }

    /// Answers one request; runs as a Swift task, so it may await (a scripted delay, a hang).
    public typealias Handler = @Sendable (HTTPRequest) async -> Answer

    /// Requests are API calls and login forms; anything larger is refused with 413.
    static let maxRequestBodyBytes = 1 << 20

    private let channel: any Channel
    private let connections: ConnectionSet
    /// The port actually bound: useful when asked for port 0.
    public let port: Int
    public let host: String

    private init(channel: any Channel, connections: ConnectionSet, host: String, port: Int) {
        self.channel = channel
        self.connections = connections
        self.host = host
        self.port = port
    }

    /// Binds and starts serving, over HTTPS when `tls` holds a context. Throws the bind error as
    /// NIO reports it.
    public static func start(host: String, port: Int, tls: TLSContextSource? = nil,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             handler: @escaping Handler) async throws -> SimulatorHTTPServer {
        let connections = ConnectionSet()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.insert(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try HTTPServerPipeline.configure(channel, tls: tls)
                    try channel.pipeline.syncOperations.addHandler(FaultyResponder(handler: handler))
                }
            }
            .bind(host: host, port: port)
            .get()
        return SimulatorHTTPServer(channel: channel, connections: connections, host: host, port: channel.localAddress?.port ?? port)
    }

    /// Stops accepting connections and closes the open ones, so clients see the server gone.
    public func shutdown() async {
        try? await channel.close()
        for connection in connections.removeAll() {
            try? await connection.close()
        }
    }

    /// Resolves when the listening channel closes: `backup-simulator` serves until then.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}

/// The open connections of a server, so shutdown can close them.
private final class ConnectionSet: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLockedValue { $0[id] = nil }
        }
    }

    func removeAll() -> [any Channel] {
        channels.withLockedValue { channels in
            defer { channels.removeAll() }
            return Array(channels.values)
        }
    }
}

/// One per connection. Collects a request, hands it to the async handler, writes the answer the
/// way its delivery says.
private final class FaultyResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: SimulatorHTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false

    init(handler: @escaping SimulatorHTTPServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > SimulatorHTTPServer.maxRequestBodyBytes {
                bodyTooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if bodyTooLarge {
                write(.init(.text("request body too large\n", status: .payloadTooLarge)), keepAlive: false, context: context)
                return
            }
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            let keepAlive = head.isKeepAlive
            let handler = self.handler
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            // Stop reading further pipelined requests until this one is answered, so answers
            // stay in order.
            context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
            context.eventLoop.makeFutureWithTask { await handler(request) }.whenComplete { result in
                let (this, context) = loopBound.value
                switch result {
                case .success(let answer):
                    this.write(answer, keepAlive: keepAlive, context: context)
                case .failure:
                    this.write(.init(.text("internal error\n", status: .internalServerError)), keepAlive: false, context: context)
                }
                context.channel.setOption(.autoRead, value: true).whenComplete { _ in }
                context.read()
            }
        }
    }

    private func write(_ answer: SimulatorHTTPServer.Answer, keepAlive: Bool, context: ChannelHandlerContext) {
        let delivery = answer.delivery
        if delivery == .dropConnection {
            context.close(promise: nil)
            return
        }
        let response = answer.response
        let fullLength = response.bodyLength
        var keepAlive = keepAlive
        var parts = response.bodyBuffers() ?? []
        if delivery != .normal, parts.count > 1 {
            // The faults cut or drip one body; the simulator's answers are small, so joining is cheap.
            var body = ByteBuffer()
            for var part in parts { body.writeBuffer(&part) }
            parts = [body]
        }
        var body = parts.first ?? ByteBuffer()
        switch delivery {
        case .truncated(let bytes), .reset(let bytes):
            keepAlive = false
            body = body.getSlice(at: body.readerIndex, length: min(max(0, bytes), fullLength)) ?? ByteBuffer()
            parts = [body]
        case .drip:
            keepAlive = false
        case .normal, .dropConnection:
            break
        }
        context.write(wrapOutboundOut(.head(response.head(keepAlive: keepAlive))), promise: nil)
        if !delivery.isDrip {
            for part in parts where part.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
            }
        }
        switch delivery {
        case .truncated:
            // Never send the end: the peer sees fewer bytes than announced, then a close.
            context.flush()
            context.close(promise: nil)
            return
        case .reset:
            // SO_LINGER 0 turns the close into a reset.
            context.flush()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            guard let socket = context.channel as? any SocketOptionProvider else {
                context.close(promise: nil)
                return
            }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
            return
        case .drip(let chunk, let interval):
            drip(body, chunk: max(1, chunk), interval: .milliseconds(max(1, interval)), context: context)
            return
        case .normal, .dropConnection:
            break
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    /// Writes `body` a chunk at a time on the event loop's timer; stops when the peer goes away.
    private func drip(_ body: ByteBuffer, chunk: Int, interval: TimeAmount, context: ChannelHandlerContext) {
        var remaining = body
        guard context.channel.isActive, let slice = remaining.readSlice(length: min(chunk, remaining.readableBytes)) else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in }
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let rest = remaining
        context.eventLoop.scheduleTask(in: interval) {
            let (this, context) = loopBound.value
            this.drip(rest, chunk: chunk, interval: interval, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension SimulatorHTTPServer.Delivery {
    var isDrip: Bool {
        if case .drip = self { true } else { false }
    }
}
