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

                let stalled = Task { () async throws(PollError) -> VendorResponse in try await connection.send(.GET, "/stall") }
                try await Task.sleep(for: .milliseconds(300))
                stalled.cancel()
                let outcome = await stalled.result
                #expect(throws: PollError.self) { try outcome.get() }

                for _ in 0..<4 {
                    #expect(try await connection.send(.GET, "/ok").status == 200)
                }
                // The stalled request's connection, and one more for the four after it.
                #expect(Self.clientConnections(toPort: server.port) == 2)
            }
        }
    }

    /// This process's TCP sockets to `port` on loopback, open or in TIME_WAIT: every connection
    /// the client opened to the server in the last minute (a client that closes first keeps its
    /// end in TIME_WAIT; the server's ends have `port` as their local port and are not counted).
    static func clientConnections(toPort port: Int) -> Int {
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        let remote = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[2].hasSuffix(remote)
        }.count
    }
}
