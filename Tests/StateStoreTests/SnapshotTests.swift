import BackupModel
import StateStore
import TestSupport
import Testing

@Suite("Snapshot contents")
struct SnapshotTests {
    @Test("a fresh store shows configured targets in config order, down, with every error reason at zero")
    func freshStore() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock(), targets: [nas, m365])
        let zeroErrors = Dictionary(uniqueKeysWithValues: FailureReason.allCases.map { ($0, UInt64(0)) })
        #expect(await store.snapshot() == ExporterSnapshot(
            targets: [
                TargetSnapshot(name: "nas", vendor: .inet, health: TargetHealth(), pollsTotal: 0, pollErrors: zeroErrors, jobs: []),
                TargetSnapshot(name: "m365", vendor: .veeamM365, health: TargetHealth(), pollsTotal: 0, pollErrors: zeroErrors, jobs: []),
            ],
            config: ConfigStatus(lastReloadSuccessful: false, lastReloadSuccessTime: nil),
            build: testBuild, stateWriteErrors: 0))
    }

    @Test("polls and errors are counted, health follows the last poll and jobs keep their values while down")
    func healthAndCounters() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        await store.pollStarted(target: "nas")
        _ = await store.pollSucceeded(target: "nas", jobs: [
            ObservedJob(id: "z", name: "Z", runs: [run("z1", .running, start: 1)]),
            ObservedJob(id: "a", name: "A", runs: [run("a1", .failed, start: 1, end: 2)]),
        ], duration: 2.5)
        let upJobs = await store.snapshot().target("nas")?.jobs
        #expect(upJobs?.map(\.id) == ["a", "z"])
        #expect(await store.snapshot().target("nas")?.health
            == TargetHealth(up: true, lastPollDuration: 2.5, lastPollTime: 1_000, lastSuccessTime: 1_000))

        clock.advance(by: 30)
        await store.pollStarted(target: "nas")
        _ = await store.pollFailed(target: "nas", error: PollError(.http, "HTTP 503 on /jobs"), duration: 4)
        await store.pollStarted(target: "nas")
        _ = await store.pollFailed(target: "nas", error: PollError(.http, "HTTP 502 on /jobs"), duration: 3)
        let target = await store.snapshot().target("nas")
        #expect(target?.pollsTotal == 3)
        #expect(target?.pollErrors == [.connect: 0, .tls: 0, .timeout: 0, .auth: 0, .http: 2, .decode: 0, .other: 0])
        #expect(target?.health == TargetHealth(
            up: false, reason: .http, message: "HTTP 502 on /jobs", lastPollDuration: 3, lastPollTime: 1_030,
            lastSuccessTime: 1_000))
        #expect(target?.jobs == upJobs)
    }

    @Test("config status records the time of the last successful load only")
    func configStatus() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(500)
        let store = try await openStore(directory, clock: clock)
        await store.setConfigStatus(successful: true)
        clock.advance(by: 10)
        await store.setConfigStatus(successful: false)
        #expect(await store.snapshot().config == ConfigStatus(lastReloadSuccessful: false, lastReloadSuccessTime: 500))
    }

    @Test("the version bumps on every change")
    func versionBumps() async throws {
        let directory = try TemporaryDirectory()
        let store = try StateStore(directory: directory.path, build: testBuild, clock: ManualClock().function)
        var last = await store.version
        func expectBump() async {
            let current = await store.version
            #expect(current > last)
            last = current
        }
        await store.configure(targets: [nas])
        await expectBump()
        await store.pollStarted(target: "nas")
        await expectBump()
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        await expectBump()
        _ = await store.pollFailed(target: "nas", error: PollError(.other, "x"), duration: 1)
        await expectBump()
        await store.setConfigStatus(successful: true)
        await expectBump()
        _ = await store.snapshot()
        #expect(await store.version == last)
    }
}
