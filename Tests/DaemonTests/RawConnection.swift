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
    private let receivedBytes: NIOLockedValueBox<Int>
    private let closedAt: NIOLockedValueBox<ContinuousClock.Instant?>

    private init(channel: any Channel, received: NIOLockedValueBox<String>, receivedBytes: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.received = received
        self.receivedBytes = receivedBytes
        self.opened = .now
        let closedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        self.closedAt = closedAt
        channel.closeFuture.whenComplete { _ in closedAt.withLockedValue { $0 = .now } }
    }

    /// `reading: false` reads nothing until `read(for:)` says so: once the kernel's buffers on
    /// both sides are full, the server's writes wait as they would for a client that stopped
    /// reading. Its text then stays empty; `bytes` counts what was read.
    static func open(port: Int, reading: Bool = true) async throws -> RawConnection {
        let received = NIOLockedValueBox(String())
        let receivedBytes = NIOLockedValueBox(0)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Recorder(received: received, bytes: receivedBytes, keepText: reading))
                }
            }
        if !reading {
            bootstrap = bootstrap.channelOption(.autoRead, value: false)
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, received: received, receivedBytes: receivedBytes)
    }

    /// Reads whatever arrives for `duration`, then stops reading again; once the server's close
    /// has been read, there is nothing to stop.
    func read(for duration: Duration) async {
        try? await channel.setOption(.autoRead, value: true).get()
        try? await Task.sleep(for: duration)
        try? await channel.setOption(.autoRead, value: false).get()
    }

    /// Asks for `reads` reads, 5 ms apart, then stops reading: each takes at most what NIO reads
    /// per readable event (a few buffers of up to 64 KiB), so a burst takes a bounded amount
    /// however fast the machine is.
    func read(times reads: Int) async {
        for _ in 0..<reads {
            channel.read()
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Bytes the server sent so far.
    var bytes: Int { receivedBytes.withLockedValue { $0 } }

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
        let bytes: NIOLockedValueBox<Int>
        let keepText: Bool

        init(received: NIOLockedValueBox<String>, bytes: NIOLockedValueBox<Int>, keepText: Bool) {
            self.received = received
            self.bytes = bytes
            self.keepText = keepText
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLockedValue { $0 += buffer.readableBytes }
            if keepText {
                let text = String(buffer: buffer)
                received.withLockedValue { $0 += text }
            }
        }
    }
}
