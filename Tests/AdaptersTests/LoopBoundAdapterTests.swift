@testable import Adapters
import BackupModel
import Synchronization
import Testing

/// A poll runs on the event loop of its target's connection, so that sending a request and
/// resuming on its answer never cross threads (`EventLoopTaskExecutor`). Checked from inside an
/// adapter, before and after a real request, against a server on loopback.
@Suite("Polls on their connection's event loop")
struct LoopBoundAdapterTests {
    /// An adapter that sends one request and notes, before and after it, whether it is running on
    /// its connection's event loop.
    final class Probe: VendorAdapter {
        let connection: TargetConnection
        let onLoop = Mutex<[Bool]>([])

        init(connection: TargetConnection) {
            self.connection = connection
        }

        func poll() async throws(PollError) -> [ObservedJob] {
            note()
            let answer = try await connection.send(.GET, "/probe")
            note()
            return [ObservedJob(id: "probe", name: "\(answer.status)", runs: [])]
        }

        private func note() {
            let here = connection.executor.loop.inEventLoop
            onLoop.withLock { $0.append(here) }
        }
    }

    @Test("a bound adapter polls on its connection's loop, before and after each request")
    func pollRunsOnTheConnectionsLoop() async throws {
        let server = try BlackholeListener()
        defer { server.close() }
        server.open()
        try await withHTTPClient { client in
            let target = TestTargets.target(url: "http://127.0.0.1:\(server.port)", timeout: 5)
            let probe = Probe(connection: try TargetConnection(target: target, client: client))
            let bound = LoopBoundAdapter(adapter: probe, executor: probe.connection.executor)

            let jobs = try await bound.poll()
            #expect(jobs.map(\.name) == ["200"])
            #expect(probe.onLoop.withLock { $0 } == [true, true])

            // The probe can tell: the same adapter polled directly runs on Swift's task pool.
            probe.onLoop.withLock { $0 = [] }
            _ = try await probe.poll()
            #expect(probe.onLoop.withLock { $0 } == [false, false])
        }
    }
}
