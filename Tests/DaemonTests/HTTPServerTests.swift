import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import WebServer

/// The daemon's server on its own, seen from one raw connection where it matters (a pooling
/// client would hide which connection answered and when it closed).
@Suite("The daemon's HTTP server")
struct HTTPServerTests {
    private typealias ClientConnection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private struct Answer: Equatable {
        var status: HTTPResponseStatus
        var connection: String?
        var body: String
    }

    /// Answers with the request's path; `/slow` only after a while, so that a pipelined request
    /// answered out of turn, or concurrently, would show.
    private static func echoPath(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "/slow" { try? await Task.sleep(for: .milliseconds(300)) }
        return .text(String(request.path))
    }

    @Test("one keep-alive connection answers several requests in order, and shutdown closes it")
    func keepAliveInOrderThenClosedOnShutdown() async throws {
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0), handler: Self.echoPath)
        let client: ClientConnection
        do {
            client = try await Self.connect(port: server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        try await client.executeThenClose { inbound, outbound in
            var parts = inbound.makeAsyncIterator()
            // Pipelined: all three are sent before any answer, the slowest first.
            for path in ["/slow", "/a", "/b"] {
                try await outbound.write(contentsOf: Self.get(path))
            }
            var answers: [Answer] = []
            for _ in 0..<3 {
                if let answer = try await Self.readAnswer(&parts) { answers.append(answer) }
            }
            #expect(answers.map(\.body) == ["/slow", "/a", "/b"])
            #expect(answers.allSatisfy { $0.status == .ok && $0.connection == "keep-alive" })
            // And, after the answers, one more on the same connection.
            try await outbound.write(contentsOf: Self.get("/c"))
            #expect(try await Self.readAnswer(&parts)?.body == "/c")

            // Shutdown closes the idle keep-alive connection: the stream ends, well before the
            // guard below would close it from this side.
            let started = ContinuousClock.now
            let stopping = Task { await server.shutdown() }
            let guardClose = Task {
                try await Task.sleep(for: .seconds(3))
                try await client.channel.close()
            }
            let afterShutdown = try? await parts.next()
            guardClose.cancel()
            #expect(afterShutdown == nil)
            #expect(started.duration(to: .now) < .seconds(2), "the server left the connection open")
            await stopping.value
        }
        // And the listener is gone.
        await #expect(throws: (any Error).self) { try await Self.connect(port: server.port).channel.close() }
    }

    @Test("a request body over the limit is answered 413 and never reaches the handler")
    func requestBodyLimit() async throws {
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0, maxRequestBodyBytes: 1024)) { request in
            .text("\(request.body.readableBytes) bytes")
        }
        do {
            let atLimit = try await Self.post(bytes: 1024, port: server.port)
            #expect(atLimit.status == .ok && atLimit.body == "1024 bytes")
            let overLimit = try await Self.post(bytes: 1025, port: server.port)
            #expect(overLimit.status == .payloadTooLarge)
            #expect(overLimit.body == "request body too large\n")
            #expect(overLimit.connection == "close")
            // The refusal closed only that connection; the server still answers.
            #expect(try await Self.post(bytes: 10, port: server.port).body == "10 bytes")
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    // MARK: helpers

    private static func connect(port: Int) async throws -> ClientConnection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try ClientConnection(wrappingChannelSynchronously: channel)
                }
            }
    }

    private static func get(_ path: String) -> [HTTPClientRequestPart] {
        [.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": "127.0.0.1"])), .end(nil)]
    }

    /// The next whole answer on the connection; nil when it closes first.
    private static func readAnswer(
        _ parts: inout NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    ) async throws -> Answer? {
        var answer: Answer?
        while let part = try await parts.next() {
            switch part {
            case .head(let head):
                answer = Answer(status: head.status, connection: head.headers.first(name: "Connection"), body: "")
            case .body(let buffer):
                answer?.body += String(buffer: buffer)
            case .end:
                return answer
            }
        }
        return nil
    }

    private static func post(bytes: Int, port: Int) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/upload")
        request.method = .POST
        request.body = .bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: response.status, connection: response.headers.first(name: "Connection"), body: String(buffer: body))
    }
}
