import Foundation
import NIOConcurrencyHelpers
import TestSupport
import Testing
import WebServer

/// The server's defences against clients that hold connections without using them: deadlines on
/// reading a request and on idle keep-alive, the connection cap with its choice of whom to close,
/// and the bound on a request head. Each against a real server on an ephemeral port, with
/// deadlines short enough for a test and a generous upper bound for two shared cores.
@Suite("The HTTP server's connection limits")
struct HTTPServerLimitsTests {
    static let get = "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    static func limits(maxConnections: Int = 64, headerRead: Duration = .seconds(30), idle: Duration = .seconds(30),
                       maxHeaderBytes: Int = 16 << 10, writeStall: Duration = .seconds(30)) -> ConnectionLimits {
        ConnectionLimits(maxConnections: maxConnections, headerReadTimeout: headerRead, idleTimeout: idle,
                         maxHeaderBytes: maxHeaderBytes, writeStallTimeout: writeStall)
    }

    /// 16 MiB: more than the kernel's send and receive buffers on loopback hold together.
    static let largeBody = String(repeating: "x", count: 16 << 20)

    /// A server with `limits` (answering with the request's path unless `handler` says otherwise)
    /// for the length of `body`.
    static func withServer(_ limits: ConnectionLimits, _ body: (HTTPServer) async throws -> Void,
                           handler: @escaping HTTPHandler = { .text(String($0.path)) }) async throws {
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0, limits: limits), handler: handler)
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test("a connection that sends nothing, or half a head, is closed when the header-read timeout passes",
          arguments: ["", "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
    func headerReadTimeout(sent: String) async throws {
        try await Self.withServer(Self.limits(headerRead: .milliseconds(400))) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(sent)
            let closed = await connection.waitForClose(timeout: 5)
            await connection.close()
            let after = try #require(closed, "still open after 5 s")
            // From when this side saw the connect complete, a little after the server armed the deadline.
            #expect(after >= .milliseconds(350) && after < .seconds(3), "closed after \(after)")
            #expect(connection.text == "")
        }
    }

    @Test("a keep-alive connection is closed when the idle timeout passes after its answer, not before")
    func idleTimeout() async throws {
        try await Self.withServer(Self.limits(idle: .milliseconds(500))) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(Self.get)
            #expect(await connection.waitForText("\r\n\r\n/a"))
            // Seen up to one 50 ms step of `waitForText` after the server ended the answer and
            // started the idle deadline: the lower bound allows for that step.
            let answered = ContinuousClock.now
            let closed = await connection.waitForClose(timeout: 5)
            await connection.close()
            let after = try #require(closed, "still open after 5 s")
            let idle = connection.opened.advanced(by: after) - answered
            #expect(idle >= .milliseconds(400) && idle < .seconds(3), "closed \(idle) after the answer")
            #expect(connection.text.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test("the header-read timeout does not cut a request whose answer takes longer")
    func slowAnswerIsNotCut() async throws {
        try await Self.withServer(Self.limits(headerRead: .milliseconds(200))) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await connection.waitForText("\r\n\r\n/slow"), "got \(connection.text.debugDescription)")
            await connection.close()
        } handler: { request in
            try? await Task.sleep(for: .milliseconds(800))
            return .text(String(request.path))
        }
    }

    @Test("at the cap a new connection closes a silent one, the oldest first, before a keep-alive one")
    func capEvictsOldestIdle() async throws {
        try await Self.withServer(Self.limits(maxConnections: 3)) { server in
            // A keep-alive connection that has been answered, then idle longest of all.
            let keepAlive = try await RawConnection.open(port: server.port)
            try await keepAlive.send(Self.get)
            #expect(await keepAlive.waitForText("\r\n\r\n/a"))
            let silent = try await RawConnection.open(port: server.port)
            // Admitted before the next one opens: each connection is admitted on its own event
            // loop, so two opened back to back may be admitted in either order.
            #expect(await eventually(timeout: 5) { server.openConnections == 2 })
            let halfHead = try await RawConnection.open(port: server.port)
            try await halfHead.send("GET /a HTTP/1.1\r\n")
            #expect(await eventually(timeout: 5) { server.openConnections == 3 })

            let newcomer = try await RawConnection.open(port: server.port)
            #expect(await silent.waitForClose(timeout: 5) != nil, "the oldest silent connection was not closed")
            try await newcomer.send(Self.get)
            #expect(await newcomer.waitForText("\r\n\r\n/a"))
            // The next one takes the half head's place; the answered keep-alive one stays.
            let second = try await RawConnection.open(port: server.port)
            #expect(await halfHead.waitForClose(timeout: 5) != nil, "the half-head connection was not closed")
            #expect(keepAlive.closedAfter == nil)
            try await keepAlive.send(Self.get)
            #expect(await eventually(timeout: 5) { keepAlive.text.components(separatedBy: "\r\n\r\n/a").count == 3 },
                    "the keep-alive connection did not answer again")
            #expect(server.openConnections == 3)
            for connection in [keepAlive, silent, halfHead, newcomer, second] { await connection.close() }
        }
    }

    @Test("at the cap with every connection answering, the new connection is closed and the others are answered")
    func capRefusesWhenNoneIdle() async throws {
        let release = NIOLockedValueBox(false)
        let entered = NIOLockedValueBox(0)
        try await Self.withServer(Self.limits(maxConnections: 2)) { server in
            let first = try await RawConnection.open(port: server.port)
            let second = try await RawConnection.open(port: server.port)
            try await first.send("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await second.send("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            // Both requests are in the handler before the third connects.
            #expect(await eventually(timeout: 5) { entered.withLockedValue { $0 } == 2 })
            let refused = try await RawConnection.open(port: server.port)
            #expect(await refused.waitForClose(timeout: 5) != nil, "the connection over the cap stayed open")
            #expect(refused.text == "")
            release.withLockedValue { $0 = true }
            #expect(await first.waitForText("\r\n\r\n/held"))
            #expect(await second.waitForText("\r\n\r\n/held"))
            for connection in [first, second, refused] { await connection.close() }
        } handler: { request in
            entered.withLockedValue { $0 += 1 }
            while !release.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
            return .text(String(request.path))
        }
    }

    @Test("an answer that closes the connection arrives whole, though it is larger than the socket buffers")
    func closingAnswerIsNotCut() async throws {
        try await Self.withServer(Self.limits()) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(await connection.waitForClose(timeout: 30) != nil, "not closed after its answer")
            let text = connection.text
            let head = try #require(text.range(of: "\r\n\r\n"), "no head in \(text.prefix(200).debugDescription)")
            #expect(text[..<head.lowerBound].contains("Connection: close"))
            #expect(text.utf8.count - text.utf8.distance(from: text.startIndex, to: head.upperBound) == Self.largeBody.utf8.count,
                    "body cut: \(text.utf8.count) bytes in all")
        } handler: { _ in
            .text(Self.largeBody)
        }
    }

    @Test("a client that asks for a large answer and never reads it is closed when the write-stall timeout passes")
    func stalledReaderIsClosed() async throws {
        try await Self.withServer(Self.limits(writeStall: .milliseconds(500))) { server in
            let stalled = try await RawConnection.open(port: server.port, reading: false)
            try await stalled.send(Self.get)
            #expect(await eventually(timeout: 5) { server.openConnections == 1 })
            let asked = ContinuousClock.now
            // The client never reads, so its own side never sees the close: the server's count does.
            #expect(await eventually(timeout: 10) { server.openConnections == 0 }, "the stalled answer's connection stayed open")
            let after = ContinuousClock.now - asked
            #expect(after >= .milliseconds(400) && after < .seconds(8), "closed \(after) after the request")
            await stalled.close()
        } handler: { _ in
            .text(Self.largeBody)
        }
    }

    @Test("a client that pauses between reads for less than the write-stall timeout gets the whole answer")
    func pausingReaderIsServed() async throws {
        // 3 s against pauses of 0.9 s: a loaded machine that oversleeps a pause by a second still
        // reads within the timeout (1.5 s failed once in CI).
        try await Self.withServer(Self.limits(writeStall: .seconds(3))) { server in
            let pausing = try await RawConnection.open(port: server.port, reading: false)
            try await pausing.send("GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let started = ContinuousClock.now
            // Each pause is shorter than the timeout; together they are much longer. The server
            // closes once the answer is in its socket; the client reads the rest, then the end.
            while pausing.closedAfter == nil, ContinuousClock.now - started < .seconds(60) {
                try await Task.sleep(for: .milliseconds(900))
                await pausing.read(times: 8)
            }
            #expect(pausing.bytes > Self.largeBody.utf8.count, "got \(pausing.bytes) bytes")
            // Longer than the timeout: without the restart on progress the answer would have been cut.
            #expect(ContinuousClock.now - started > .seconds(3), "read in a few bursts: the pauses tested little")
            await pausing.close()
        } handler: { _ in
            .text(Self.largeBody)
        }
    }

    @Test("a request head over the limit is answered 400 and closed; one under it is answered")
    func headerSizeLimit() async throws {
        try await Self.withServer(Self.limits(maxHeaderBytes: 2048)) { server in
            let small = try await RawConnection.open(port: server.port)
            try await small.send("GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fill: \(String(repeating: "x", count: 1500))\r\n\r\n")
            #expect(await small.waitForText("\r\n\r\n/a"))
            #expect(small.text.hasPrefix("HTTP/1.1 200 OK"))

            let large = try await RawConnection.open(port: server.port)
            try await large.send("GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fill: \(String(repeating: "x", count: 3000))\r\n\r\n")
            #expect(await large.waitForClose(timeout: 5) != nil, "the oversized head's connection stayed open")
            #expect(large.text.hasPrefix("HTTP/1.1 400 Bad Request"), "got \(large.text.debugDescription)")
            for connection in [small, large] { await connection.close() }
        }
    }
}
