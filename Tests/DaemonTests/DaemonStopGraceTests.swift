import Testing

@testable import Daemon

/// `Daemon.stop()` waits for the pollers to stop (polls unwinding, adapters logging out) only up
/// to the grace period, so a vendor that never answers a logout cannot hold up SIGTERM.
@Suite("The stop grace period")
struct DaemonStopGraceTests {
    @Test("a stop that never ends is waited for the grace period, and not much longer")
    func graceBoundsAHangingStop() async {
        let hanging = Task { _ = try? await Task.sleep(for: .seconds(60)) }
        defer { hanging.cancel() }
        let started = ContinuousClock.now
        await Daemon.wait(for: hanging, atMost: 0.3)
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "waited \(waited)")
    }

    @Test("a stop that ends before the grace period ends the wait then")
    func earlyStopEndsTheWait() async {
        let quick = Task { _ = try? await Task.sleep(for: .milliseconds(50)) }
        let started = ContinuousClock.now
        await Daemon.wait(for: quick, atMost: 30)
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(50) && waited < .seconds(5), "waited \(waited)")
    }
}
