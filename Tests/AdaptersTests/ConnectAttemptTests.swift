@testable import Adapters
import BackupModel
import Testing

/// A request that gave up while its connection was still being opened must take the attempt with
/// it. AsyncHTTPClient's pool keeps an attempt until the client's connect timeout, and the next
/// request waits for that attempt rather than opening its own: after a blackhole, the poll that
/// follows would fail on a link that is already back.
@Suite("Connection attempts")
struct ConnectAttemptTests {
    @Test("a request that timed out while connecting leaves no attempt for the next one to wait on")
    func attemptEndsWithItsRequest() async throws {
        let listener = try BlackholeListener()
        defer { listener.close() }
        try await withHTTPClient { client in
            let target = TestTargets.target(url: "http://127.0.0.1:\(listener.port)", timeout: 0.5)
            let connection = try TargetConnection(target: target, client: client)
            let started = ContinuousClock.now
            do throws(PollError) {
                _ = try await connection.send(.GET, "/first")
                Issue.record("the first request was answered through a full accept queue")
            } catch {
                #expect(error.reason == .timeout)
            }
            // The kernel resends a dropped SYN 1 s after the first, then 1 or 2 s after that
            // (linear or exponential backoff, by kernel version). The link opens 1.3 s in, after
            // the first resend was dropped: a fresh connection is answered at once, while a
            // request that waits for the old attempt sees its 2 s resend, after its own deadline.
            try await Task.sleep(until: started + .milliseconds(1300))
            listener.open()
            let answer = try await connection.send(.GET, "/second")
            #expect(answer.status == 200)
        }
    }
}
