import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport

/// A TCP connection that sends bytes exactly as written and records what comes back and the
/// moment the server closed it: what the connection-limit tests need, and an HTTP client hides.
final class RawConnection: Sendable {
    let channel: any Channel
    let opened: ContinuousClock.Instant
    private let received: NIOLockedValueBox<String>
    private let closedAt: NIOLockedValueBox<ContinuousClock.Instant?>

    private init(channel: any Channel, received: NIOLockedValueBox<String>) {
        self.channel = channel
        self.received = received
        self.opened = .now
        let closedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        self.closedAt = closedAt
        channel.closeFuture.whenComplete { _ in closedAt.withLockedValue { $0 = .now } }
    }

    static func open(port: Int) async throws -> RawConnection {
        let received = NIOLockedValueBox(String())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, received: received)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything the server sent so far.
    var text: String { received.withLockedValue { $0 } }

    /// When the server closed the connection, measured from `open`; nil while it is open.
    var closedAfter: Duration? { closedAt.withLockedValue { $0 }.map { opened.duration(to: $0) } }

    /// Waits up to `timeout` for the server to close the connection; returns when it did (from
    /// `open`), or nil if it is still open.
    func waitForClose(timeout: Double) async -> Duration? {
        _ = await eventually(timeout: timeout) { closedAfter != nil }
        return closedAfter
    }

    /// Waits up to `timeout` until the server has sent `marker`.
    func waitForText(_ marker: String, timeout: Double = 5) async -> Bool {
        await eventually(timeout: timeout) { text.contains(marker) }
    }

    func close() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<String>

        init(received: NIOLockedValueBox<String>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            received.withLockedValue { $0 += text }
        }
    }
}
