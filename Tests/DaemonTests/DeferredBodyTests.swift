import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing
import WebServer

/// A body of deferred parts (the plain metrics page, inflated from its pieces) is made as the
/// client takes it: a client that stops reading holds the server to what the sockets hold, not
/// the whole body, and a part that cannot be made ends the connection short rather than sending
/// a body that looks whole.
@Suite("A body made as it is sent")
struct DeferredBodyTests {
    static let partBytes = 64 << 10
    /// 64 MiB: far more than the kernel's socket buffers on loopback hold, both sides together.
    static let parts = 1024

    @Test("a client that reads nothing holds the server to a few MiB of a 64 MiB body; reading, it gets all of it")
    func madeAsTheClientReads() async throws {
        let made = NIOLockedValueBox(0)
        let part = ByteBuffer(repeating: UInt8(ascii: "x"), count: Self.partBytes)
        try await HTTPServerLimitsTests.withServer(HTTPServerLimitsTests.limits(writeStall: .seconds(60))) { server in
            let client = try await RawConnection.open(port: server.port, reading: false)
            try await client.send("GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            // Until the sockets are full and the writer waits; then nothing more is made.
            _ = await eventually(timeout: 10) { made.withLockedValue { $0 } > 8 }
            try await Task.sleep(for: .seconds(1))
            let whileStalled = made.withLockedValue { $0 }
            #expect(whileStalled * Self.partBytes <= 24 << 20, "made \(whileStalled) of \(Self.parts) parts while the client read nothing")

            _ = await client.waitForClose(timeout: 0)
            try? await client.channel.setOption(.autoRead, value: true).get()
            let closed = await client.waitForClose(timeout: 30)
            #expect(closed != nil, "the answer did not end")
            #expect(made.withLockedValue { $0 } == Self.parts)
            #expect(client.bytes > Self.parts * Self.partBytes, "got \(client.bytes) bytes")
            await client.close()
        } handler: { _ in
            let deferred = (0..<Self.parts).map { _ in
                HTTPResponse.BodyPart.deferred(length: Self.partBytes) {
                    made.withLockedValue { $0 += 1 }
                    return part
                }
            }
            return HTTPResponse(bodyParts: deferred)
        }
    }

    @Test("a part that cannot be made closes the connection short of the announced length")
    func unmadePartEndsTheConnection() async throws {
        let part = ByteBuffer(repeating: UInt8(ascii: "y"), count: 1000)
        try await HTTPServerLimitsTests.withServer(HTTPServerLimitsTests.limits()) { server in
            let client = try await RawConnection.open(port: server.port)
            // Keep-alive: only the failure closes the connection.
            try await client.send(HTTPServerLimitsTests.get)
            let closed = await client.waitForClose(timeout: 10)
            #expect(closed != nil, "still open: the client would wait for bytes that never come")
            let text = client.text
            #expect(text.contains("Content-Length: 3000\r\n"), "got \(text.prefix(200).debugDescription)")
            let body = text.split(separator: "\r\n\r\n", maxSplits: 1).last.map(\.utf8.count) ?? 0
            #expect(body < 3000, "\(body) body bytes")
            await client.close()
        } handler: { _ in
            HTTPResponse(bodyParts: [
                .deferred(length: 1000) { part },
                .deferred(length: 1000) { nil },
                .deferred(length: 1000) { part },
            ])
        }
    }
}
