@testable import Adapters
import BackupModel
import Foundation
import Testing
import WebServer

/// A target's requests share one kept connection, also after a request was given up halfway.
/// AsyncHTTPClient closes a connection it opened only for a `.delegateAndChannel` event-loop
/// requirement as soon as it is idle: with that preference, once the first kept connection was
/// lost every later request opened its own (a TCP and TLS handshake each), which under packet
/// loss timed out every Veeam poll of the net-fault test.
@Suite("Connection reuse")
struct ConnectionReuseTests {
    @Test("after a request cancelled halfway, the next requests share one new connection")
    func requestsShareAConnectionAfterACancelledOne() async throws {
        let handler: HTTPHandler = { request in
            if request.path == "/stall" { try? await Task.sleep(for: .seconds(10)) }
            return .json(#"{"ok":true}"#)
        }
        try await withVendorSimulator(vendor: "inet", handler: handler) { server in
            try await withHTTPClient { client in
                let target = TestTargets.target(url: "http://127.0.0.1:\(server.port)", timeout: 5)
                let connection = try TargetConnection(target: target, client: client)
                // Sockets left from an earlier server on the same port number, if any.
                let before = try Self.clientConnections(toPort: server.port)

                let stalled = Task { () async throws(PollError) -> VendorResponse in try await connection.send(.GET, "/stall") }
                try await Task.sleep(for: .milliseconds(300))
                stalled.cancel()
                let outcome = await stalled.result
                #expect(throws: PollError.self) { try outcome.get() }

                for _ in 0..<4 {
                    #expect(try await connection.send(.GET, "/ok").status == 200)
                }
                // The stalled request's connection, and one more for the four after it.
                #expect(try Self.clientConnections(toPort: server.port) - before == 2)
            }
        }
    }

    /// This process's TCP sockets to `port` on loopback, open or in TIME_WAIT: every connection
    /// the client opened to the server in the last minute (a client that closes first keeps its
    /// end in TIME_WAIT; the server's ends have `port` as their local port and are not counted).
    static func clientConnections(toPort port: Int) throws -> Int {
        // /proc files report a size of 0: read to the end, not `String(contentsOfFile:)`, which
        // read nothing on a clean build.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/net/tcp"))
        defer { try? handle.close() }
        let table = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        let remote = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
        let rows = table.split(separator: "\n").dropFirst()
        try #require(!rows.isEmpty, "no sockets read from /proc/net/tcp")
        return rows.filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[2].hasSuffix(remote)
        }.count
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
