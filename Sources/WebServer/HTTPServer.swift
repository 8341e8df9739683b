import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers one request. Runs as a Swift task, so it may await (the store, a scripted delay).
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// A small HTTP/1.1 server on SwiftNIO: keep-alive, pipelining-safe (responses are written in
/// request order because a connection handles one request at a time), bounded request bodies.
///
/// It is deliberately minimal: the daemon serves a handful of endpoints and the simulator a few
/// vendor paths, and both need control over the bytes on the wire that a framework would hide.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var maxRequestBodyBytes: Int
        /// Serve HTTPS with this source's context; nil, or a source holding none, serves plain HTTP.
        public var tls: TLSContextSource?

        public init(host: String, port: Int, maxRequestBodyBytes: Int = 1 << 20, tls: TLSContextSource? = nil) {
            self.host = host
            self.port = port
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.tls = tls
        }
    }

    private let channel: any Channel
    private let connections: ConnectionSet
    /// The port actually bound: useful when the configuration asked for port 0.
    public let port: Int
    public let host: String

    private init(channel: any Channel, connections: ConnectionSet, host: String, port: Int) {
        self.channel = channel
        self.connections = connections
        self.host = host
        self.port = port
    }

    /// Binds and starts serving. Throws the bind error (address in use, bad host) as NIO reports it.
    public static func start(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping HTTPHandler
    ) async throws -> HTTPServer {
        let maxBody = configuration.maxRequestBodyBytes
        let tls = configuration.tls
        let connections = ConnectionSet()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.insert(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let tlsHandler = tls?.makeHandler() {
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler, maxBodyBytes: maxBody))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = channel.localAddress?.port ?? configuration.port
        return HTTPServer(channel: channel, connections: connections, host: configuration.host, port: port)
    }

    /// Stops accepting connections and closes the open ones, keep-alive included, so clients see
    /// the server gone (and a stopping daemon leaves no connection behind).
    public func shutdown() async {
        try? await channel.close()
        for connection in connections.removeAll() {
            try? await connection.close()
        }
    }

    /// True when the server's event loop runs a task within `timeout` seconds: the watchdog's proof
    /// that the server can still answer.
    public func isResponsive(timeout: Double = 2) async -> Bool {
        let loop = channel.eventLoop
        let probe = loop.submit { true }
        let deadline = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { false }
        let result = try? await probe.get()
        deadline.cancel()
        return result == true && channel.isActive
    }

    /// Resolves when the listening channel closes.
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

/// One per connection. Collects a request, hands it to the async handler, writes the answer.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: HTTPHandler
    private let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false

    init(handler: @escaping HTTPHandler, maxBodyBytes: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                bodyTooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if bodyTooLarge {
                write(HTTPResponse.text("request body too large\n", status: .payloadTooLarge), keepAlive: false, context: context)
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
                case .success(let response):
                    this.write(response, keepAlive: keepAlive, context: context)
                case .failure:
                    this.write(.text("internal error\n", status: .internalServerError), keepAlive: false, context: context)
                }
                context.channel.setOption(.autoRead, value: true).whenComplete { _ in }
                context.read()
            }
        }
    }

    private func write(_ response: HTTPResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        if response.delivery == .dropConnection {
            context.close(promise: nil)
            return
        }
        var headers = response.headers
        let fullLength = response.body.readableBytes + response.tail.readableBytes
        headers.replaceOrAdd(name: "Content-Length", value: String(fullLength))
        var keepAlive = keepAlive
        var body = response.body
        var tail = response.tail
        if response.delivery != .normal, tail.readableBytes > 0 {
            body.writeBuffer(&tail)
        }
        switch response.delivery {
        case .truncated(let bytes), .reset(let bytes):
            keepAlive = false
            body = body.getSlice(at: body.readerIndex, length: min(max(0, bytes), fullLength)) ?? ByteBuffer()
        case .drip:
            keepAlive = false
        case .normal, .dropConnection:
            break
        }
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0, !response.delivery.isDrip {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if tail.readableBytes > 0, response.delivery == .normal {
            context.write(wrapOutboundOut(.body(.byteBuffer(tail))), promise: nil)
        }
        switch response.delivery {
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
