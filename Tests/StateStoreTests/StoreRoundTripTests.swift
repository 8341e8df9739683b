import BackupModel
import Foundation
import StateStore
import TestSupport
import Testing

@Suite("Persistence across restarts")
struct StoreRoundTripTests {
    @Test("jobs, last runs, history and the target's last success come back after close and reopen")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock, targets: [nas, m365])
        await store.pollStarted(target: "nas")
        _ = await store.pollSucceeded(target: "nas", jobs: [
            ObservedJob(id: "b", name: "Exchange", runs: [
                ObservedRun(id: "r3", state: .running, progressPercent: 42.5, startTime: 300, sizeBytes: 1024,
                            vendorStatus: "Running"),
                run("r2", .failed, start: 200, end: 250),
                run("r1", .succeeded, start: 100, end: 150),
            ]),
            ObservedJob(id: "a", name: "Files", runs: [run("x1", .warning, start: 10, end: 20)]),
            ObservedJob(id: "c", name: "Never ran", runs: []),
        ], duration: 1.5)
        clock.advance(by: 5)
        _ = await store.pollSucceeded(target: "m365", jobs: [
            ObservedJob(id: "mail", name: "Mail", runs: [run("s1", .cancelled, start: 1, end: 2)]),
        ], duration: 0.25)
        let before = await store.snapshot()
        await store.close()

        let reopened = try await openStore(directory, clock: clock, targets: [nas, m365])
        let after = await reopened.snapshot()
        #expect(after.targets.map(\.name) == ["nas", "m365"])
        for name in ["nas", "m365"] {
            #expect(after.target(name)?.jobs == before.target(name)?.jobs)
            #expect(after.target(name)?.health == TargetHealth(
                up: false, reason: nil, lastSuccessTime: before.target(name)?.health.lastSuccessTime))
        }
        #expect(after.target("nas")?.health.lastSuccessTime == 1_700_000_000)
        #expect(after.target("m365")?.health.lastSuccessTime == 1_700_000_005)
        #expect(after.job("nas", "b") == JobSnapshot(
            id: "b", name: "Exchange",
            lastRun: ObservedRun(id: "r3", state: .running, progressPercent: 42.5, startTime: 300, sizeBytes: 1024,
                                 vendorStatus: "Running"),
            history: JobHistory(
                lastSuccessTime: 150, lastFailureTime: 250, runsByResult: counts(succeeded: 1, failed: 1),
                firstSeenTime: 1_700_000_000)))
        #expect(after.target("nas")?.jobs.map(\.id) == ["a", "b", "c"])
        #expect(after.job("nas", "c")?.lastRun == nil)
        #expect(after.job("m365", "mail")?.history.runsByResult == counts(cancelled: 1))
    }

    @Test("a job the vendor stopped listing stays hidden after a restart but keeps its history for when it returns")
    func unlistedJobStaysHidden() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock)
        let old = ObservedJob(id: "old", name: "Old", runs: [run("o1", .succeeded, start: 1, end: 2)])
        let kept = ObservedJob(id: "kept", name: "Kept", runs: [run("k1", .succeeded, start: 1, end: 2)])
        _ = await store.pollSucceeded(target: "nas", jobs: [old, kept], duration: 1)
        _ = await store.pollSucceeded(target: "nas", jobs: [kept], duration: 1)
        #expect(await store.snapshot().target("nas")?.jobs.map(\.id) == ["kept"])
        await store.close()

        let reopened = try await openStore(directory, clock: clock)
        #expect(await reopened.snapshot().target("nas")?.jobs.map(\.id) == ["kept"])
        let changes = await reopened.pollSucceeded(target: "nas", jobs: [old, kept], duration: 1)
        #expect(changes == [])
        #expect(await reopened.snapshot().job("nas", "old")?.history.runsByResult == counts(succeeded: 1))
    }

    @Test("a target removed from the config vanishes from the snapshot and comes back with its jobs when re-added")
    func reconfigure() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock, targets: [nas, m365])
        _ = await store.pollSucceeded(
            target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [run("r", .succeeded)])], duration: 1)
        await store.configure(targets: [m365])
        #expect(await store.snapshot().targets.map(\.name) == ["m365"])
        #expect(await store.pollSucceeded(target: "nas", jobs: [], duration: 1) == [])
        await store.configure(targets: [m365, nas])
        let snapshot = await store.snapshot()
        #expect(snapshot.targets.map(\.name) == ["m365", "nas"])
        #expect(snapshot.target("nas")?.jobs.map(\.id) == ["j"])
        await store.close()

        let reopened = try await openStore(directory, clock: clock, targets: [m365])
        #expect(await reopened.snapshot().targets.map(\.name) == ["m365"])
        await reopened.configure(targets: [nas])
        #expect(await reopened.snapshot().target("nas")?.jobs.map(\.id) == ["j"])
    }
}
