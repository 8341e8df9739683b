import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Answers one request. Runs as a Swift task, so it may await (the store, a reload).
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// The daemon's HTTP/1.1 server on SwiftNIO's structured-concurrency API (`NIOAsyncChannel`):
/// keep-alive, answers in request order (a connection is one task that reads a request, awaits
/// its answer, writes it, then reads the next), bounded request bodies, and HTTPS from a
/// reloadable `TLSContextSource`. It sends every response whole, its body parts in order, and nothing
/// else: the misbehaving deliveries the vendor simulator needs live in that module.
///
/// No client can hold it: `ConnectionLimits` caps the connections open at once (at the cap a new
/// one closes an idle one, which `ConnectionRegistry` picks), and each connection's
/// `ConnectionGuard` closes it when it takes too long to send a request or idles too long
/// between requests. The decoder bounds a request's head, the assembler its body.
///
/// As a `Service`, `bind` then `run()`: it serves until its task is cancelled or a graceful
/// shutdown begins, then closes the listener and every connection. The daemon does not put it in
/// its service group, because its sequencing is its own: a bind error must fail start-up before
/// READY=1, and at stop the listener closes after the pollers stop but before the store closes.
/// So the daemon calls `start` (bind, then `run()` in a task of the server's own) and
/// `shutdown()` (cancel that task and wait until every connection is closed).
public final class HTTPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var maxRequestBodyBytes: Int
        /// Serve HTTPS with this source's context; nil, or a source holding none, serves plain HTTP.
        public var tls: TLSContextSource?
        /// A socket already bound and listening (systemd socket activation): served instead of
        /// binding `host`/`port`, which then only name it in logs.
        public var listeningSocket: Int32?
        /// The connection cap, the per-connection deadlines and the head size bound.
        public var limits: ConnectionLimits

        public init(host: String, port: Int, maxRequestBodyBytes: Int = 1 << 20, tls: TLSContextSource? = nil,
                    limits: ConnectionLimits = .default, listeningSocket: Int32? = nil) {
            self.host = host
            self.port = port
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.tls = tls
            self.listeningSocket = listeningSocket
            self.limits = limits
        }
    }

    private typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// Yields accepted channels with their handlers in place but not yet reading; each becomes a
    /// `Connection` in the task that serves it (see `serve`).
    private let listener: NIOAsyncChannel<any Channel, Never>
    private let handler: HTTPHandler
    private let maxRequestBodyBytes: Int
    private let registry: ConnectionRegistry
    /// The task `start` runs `run()` in, for `shutdown` to cancel and await.
    private let serving = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Set by the first `run()`: a listener's stream of connections can be read only once.
    private let hasRun = NIOLockedValueBox(false)
    /// The port actually bound: useful when the configuration asked for port 0.
    public let port: Int
    public let host: String

    private init(listener: NIOAsyncChannel<any Channel, Never>, handler: @escaping HTTPHandler,
                 maxRequestBodyBytes: Int, registry: ConnectionRegistry, host: String, port: Int) {
        self.listener = listener
        self.handler = handler
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.registry = registry
        self.host = host
        self.port = port
    }

    /// Binds the listener; connections wait in the backlog until `run()`. Throws the bind error
    /// (address in use, bad host) as NIO reports it.
    public static func bind(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping HTTPHandler
    ) async throws -> HTTPServer {
        let tls = configuration.tls
        let limits = configuration.limits
        let registry = ConnectionRegistry(capacity: limits.maxConnections)
        let initializer: @Sendable (Channel) -> EventLoopFuture<any Channel> = { channel in
            let connection = channel.eventLoop.makeCompletedFuture { () throws -> any Channel in
                guard case .admitted(let id, let evicted) = registry.admit(channel) else {
                    throw ConnectionRefused()
                }
                channel.closeFuture.whenComplete { _ in registry.remove(id) }
                evicted?.close(promise: nil)
                let connectionGuard = ConnectionGuard(id: id, registry: registry, limits: limits)
                try HTTPServerPipeline.configure(channel, tls: tls, maxHeaderBytes: limits.maxHeaderBytes,
                                                 connectionGuard: connectionGuard)
                return channel
            }
            // NIO leaves a channel whose initializer failed open; nobody else will close it.
            connection.whenFailure { _ in channel.close(promise: nil) }
            return connection
        }
        let bootstrap = ServerBootstrap(group: group)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Until `serve` wraps it: nothing read can be lost before the async handlers are in.
            .childChannelOption(.autoRead, value: false)
        let listener: NIOAsyncChannel<any Channel, Never>
        if let socket = configuration.listeningSocket {
            // systemd set the backlog (its Backlog=) and address; the socket is only taken over.
            listener = try await bootstrap.bind(socket, childChannelInitializer: initializer)
        } else {
            listener = try await bootstrap
                // Not longer: after a flood every queued connection is accepted, admitted and closed
                // before a scrape's connection behind them (4096 left 489 dead ones to work through
                // 3 s after the attack test's attacker stopped, and scrapes timed out behind them).
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.host, port: configuration.port, childChannelInitializer: initializer)
        }
        return HTTPServer(
            listener: listener, handler: handler, maxRequestBodyBytes: configuration.maxRequestBodyBytes,
            registry: registry,
            host: configuration.listeningSocket == nil ? configuration.host : listener.channel.localAddress?.ipAddress ?? configuration.host,
            port: listener.channel.localAddress?.port ?? configuration.port)
    }

    /// Binds and serves in a task of the server's own, until `shutdown()`. The task is detached
    /// so that a graceful shutdown of the caller's service group does not close the listener
    /// behind the daemon's back: the daemon closes it itself, in order.
    public static func start(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping HTTPHandler
    ) async throws -> HTTPServer {
        let server = try await bind(configuration, group: group, handler: handler)
        // An accept loop that fails closes the listener, which `isResponsive` reports.
        server.serving.withLockedValue { $0 = Task.detached { try? await server.run() } }
        return server
    }

    /// Accepts connections and serves each in a child task until cancelled or a graceful
    /// shutdown; returns when the listener and every connection are closed. A second call
    /// returns at once.
    public func run() async throws {
        let first = hasRun.withLockedValue { ran in
            defer { ran = true }
            return !ran
        }
        guard first else { return }
        try await cancelWhenGracefulShutdown { [self] in
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
                // The listener closed: end every connection, keep-alive ones included, and any
                // accepted as it closed that never reached this loop.
                group.cancelAll()
                registry.closeAll()
            }
        }
    }

    /// Stops accepting connections and closes the open ones, keep-alive included, so clients see
    /// the server gone (and a stopping daemon leaves no connection behind). Returns once they are
    /// closed.
    public func shutdown() async {
        // Closing refuses new connections at once, and ends a listener never run. The accept
        // loop then takes the connections still queued in the listener's stream before it ends
        // (and cancels their tasks): cancelling it instead would drop them unserved, and NIO
        // stops the process when a wrapped connection is dropped without being closed.
        try? await listener.channel.close()
        let task = serving.withLockedValue { $0 }
        await task?.value
    }

    /// Connections open now: at most `limits.maxConnections`.
    public var openConnections: Int { registry.count }

    /// True when the server's event loop runs a task within `timeout` seconds and the listener is
    /// still open: the watchdog's proof that the server can still answer.
    public func isResponsive(timeout: Double = 2) async -> Bool {
        let channel = listener.channel
        let loop = channel.eventLoop
        let probe = loop.submit { true }
        let deadline = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { false }
        let result = try? await probe.get()
        deadline.cancel()
        return result == true && channel.isActive
    }

    /// One connection: requests in turn, each answered before the next is read, until the client
    /// closes, asks to close, breaks the protocol, or the server stops (cancellation ends the
    /// wait for the next request and `executeThenClose` closes the channel).
    ///
    /// The channel is wrapped here, not in the child channel initializer: a `Connection` must be
    /// closed through `executeThenClose` (NIO stops the process when one is dropped), and one
    /// wrapped in the initializer is dropped when the listener closes with it still queued. A
    /// channel dropped unwrapped is only a channel, closed by its deadline or `closeAll`.
    private func serve(_ channel: any Channel) async {
        let wrapped = channel.eventLoop.submit { () throws -> Connection in
            let connection = try Connection(wrappingChannelSynchronously: channel)
            // A closed channel refuses the option; the connection is still returned, to be closed.
            try? channel.syncOptions?.setOption(.autoRead, value: true)
            return connection
        }
        guard let connection = try? await wrapped.get() else {
            channel.close(promise: nil)
            return
        }
        try? await connection.executeThenClose { inbound, outbound in
            var assembler = RequestAssembler(maxBodyBytes: maxRequestBodyBytes)
            for try await part in inbound {
                switch assembler.add(part) {
                case nil:
                    continue
                case .tooLarge:
                    // The body has been read to its end, so the client, still sending until now,
                    // reads this answer rather than a reset.
                    let refusal = HTTPResponse.text("request body too large\n", status: .payloadTooLarge)
                    try await Self.write(refusal, keepAlive: false, on: channel.eventLoop, to: outbound)
                    try await channel.closeFuture.get()
                    return
                case .request(let request, let keepAlive):
                    let response = await handler(request)
                    try await Self.write(response, keepAlive: keepAlive, on: channel.eventLoop, to: outbound)
                    // `ConnectionGuard` closes the channel once the answer is on the socket (or
                    // its write stalls): returning now would close it with the answer still queued.
                    if !keepAlive { try await channel.closeFuture.get(); return }
                }
            }
        }
    }

    /// Head, body and end. Each part is its own write, so shared buffers (the kept metrics page's
    /// pieces) are sent as they are, never copied into a combined one; ready parts go out in one
    /// flush. Deferred parts are made `deferredBatchBytes` at a time, and the next batch only once
    /// the loop has written this one: the writer learns that the socket is full on the loop, and
    /// making parts is faster than the loop, so without the wait every batch would be queued
    /// before the first was written (the whole 254 MiB page at 100,000 jobs). With it, a plain
    /// page inflated from its pieces holds about what the socket's buffers hold, not the page.
    private static func write(
        _ response: HTTPResponse, keepAlive: Bool, on loop: any EventLoop,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var batch: [HTTPServerResponsePart] = [.head(response.head(keepAlive: keepAlive))]
        var made = 0
        for part in response.bodyParts {
            let buffer: ByteBuffer
            switch part {
            case .bytes(let bytes):
                buffer = bytes
            case .deferred(_, let make):
                guard let bytes = make() else {
                    // What was made goes out, then the close: the client sees a short body.
                    try await outbound.write(contentsOf: batch)
                    throw DeferredPartFailed()
                }
                buffer = bytes
                made += bytes.readableBytes
            }
            if buffer.readableBytes > 0 { batch.append(.body(.byteBuffer(buffer))) }
            if made >= deferredBatchBytes {
                try await outbound.write(contentsOf: batch)
                try await loop.submit {}.get()
                batch = []
                made = 0
            }
        }
        batch.append(.end(nil))
        try await outbound.write(contentsOf: batch)
    }

    /// Bytes of deferred parts made before they are written: a few of a page's pieces, so that
    /// the wait for the loop comes once per this many bytes, not once per piece.
    static let deferredBatchBytes = 256 * 1024
}

/// A deferred body part could not be made: the connection is closed mid-body, so the client sees
/// fewer bytes than announced rather than a page that looks whole.
private struct DeferredPartFailed: Error {}

/// At the cap with every connection answering a request: the new one is closed unanswered.
private struct ConnectionRefused: Error {}

/// Gathers the parts of one request at a time into an `HTTPRequest`, keeping at most
/// `maxBodyBytes` of body: an oversized body is read on to its end but not kept.
private struct RequestAssembler {
    enum Outcome {
        case request(HTTPRequest, keepAlive: Bool)
        case tooLarge
    }

    let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// The outcome once `part` ends a request; nil while one is still arriving.
    mutating func add(_ part: HTTPServerRequestPart) -> Outcome? {
        switch part {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
            return nil
        case .body(var chunk):
            if bodyTooLarge || body.readableBytes + chunk.readableBytes > maxBodyBytes {
                bodyTooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&chunk)
            }
            return nil
        case .end:
            guard let head else { return nil }
            self.head = nil
            if bodyTooLarge { return .tooLarge }
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            body = ByteBuffer()
            return .request(request, keepAlive: head.isKeepAlive)
        }
    }
}
