import Adapters
import BackupModel
import ExporterConfig
import Foundation
import StateStore
import TestSupport
import Testing

@testable import Daemon

/// The poll cycle of one target, with an adapter the test controls: ticks, overlap, the
/// deadline, the filter, the store and stop.
@Suite("One target's poll cycle")
struct TargetPollerTests {
    @Test("a poll slower than the interval is never overlapped: ticks that come while it runs are dropped")
    func pollsNeverOverlap() async throws {
        let adapter = SlowAdapter(pollSeconds: 0.35)
        let (poller, store, directory) = try await Self.poller(adapter: adapter, interval: 0.05)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        poller.start()
        try await Task.sleep(for: .milliseconds(1_250))
        await poller.stop()
        let polls = await adapter.polls
        let most = await adapter.mostAtOnce
        #expect(most == 1)
        // About 1.25 s / 0.35 s; without the drop it would be up to 25 polls piling up.
        #expect((2...5).contains(polls), "polls: \(polls)")
        #expect(await adapter.shutdowns == 1)
        #expect(await store.snapshot().targets.first?.pollsTotal == UInt64(polls))
    }

    @Test("a poll that outlives max(interval, timeout) ends as a timeout with the deadline in its message")
    func deadlineEndsPoll() async throws {
        let adapter = SlowAdapter(pollSeconds: 30)
        let (poller, store, directory) = try await Self.poller(adapter: adapter, interval: 0.2, timeout: 0.3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = ContinuousClock.now
        let outcome = await poller.cycle()
        #expect(started.duration(to: .now) < .seconds(2))
        guard case .failure(let error) = outcome?.result else {
            Issue.record("expected a failure, got \(String(describing: outcome?.result))")
            return
        }
        #expect(error == PollError(.timeout, "poll did not finish within 0.3s"))
        #expect(await store.snapshot().targets.first?.health.reason == .timeout)
    }

    @Test("stop cancels the poll in flight, nothing is recorded for it, and the adapter logs out once")
    func stopCancelsInFlight() async throws {
        let adapter = SlowAdapter(pollSeconds: 30)
        let (poller, store, directory) = try await Self.poller(adapter: adapter, interval: 60, timeout: 60)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        poller.start()
        _ = await eventually(timeout: 5) { await adapter.polls == 1 }
        let started = ContinuousClock.now
        await poller.stop()
        await poller.stop()
        #expect(started.duration(to: .now) < .seconds(2))
        #expect(await adapter.shutdowns == 1)
        let target = await store.snapshot().targets.first
        #expect(target?.health.lastPollTime == nil)
        #expect(target?.pollErrors.values.reduce(0, +) == 0)
    }

    @Test("the watchdog sees a started poller tick and a poller that never started as not ticking")
    func tickingForTheWatchdog() async throws {
        let (poller, _, directory) = try await Self.poller(adapter: SlowAdapter(pollSeconds: 0), interval: 0.1)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(!poller.isTicking())
        poller.start()
        #expect(poller.isTicking())
        #expect(!poller.isTicking(now: TargetPoller.now() + 60))
        await poller.stop()
    }

    static func poller(adapter: SlowAdapter, interval: Double, timeout: Double = 5) async throws
        -> (TargetPoller, StateStore, String)
    {
        let directory = try TemporaryDirectory.kept()
        let store = try StateStore(directory: directory + "/state", build: BuildInfo(version: "t", swiftVersion: "6"))
        await store.configure(targets: [TargetIdentity(name: "t", vendor: .inet)])
        let configuration = TargetConfiguration(
            name: "t", vendor: .inet, url: "http://127.0.0.1:1", interval: interval, timeout: timeout, jitter: 0)
        let logs = CapturedLog()
        let poller = TargetPoller(
            configuration: configuration, adapter: adapter, store: store, events: EventLog(logger: logs.logger), logger: logs.logger)
        return (poller, store, directory)
    }
}

/// An adapter whose poll takes a set time (cancellable), counting polls, overlap and logouts.
actor SlowAdapter: VendorAdapter {
    let pollSeconds: Double
    private(set) var polls = 0
    private(set) var running = 0
    private(set) var mostAtOnce = 0
    private(set) var shutdowns = 0

    init(pollSeconds: Double) {
        self.pollSeconds = pollSeconds
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        polls += 1
        running += 1
        mostAtOnce = max(mostAtOnce, running)
        defer { running -= 1 }
        do {
            try await Task.sleep(for: .seconds(pollSeconds))
        } catch {
            throw PollError(.other, "cancelled")
        }
        return [ObservedJob(id: "j", name: "J", runs: [])]
    }

    func shutdown() async {
        shutdowns += 1
    }
}
