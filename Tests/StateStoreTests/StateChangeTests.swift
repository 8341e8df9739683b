import BackupModel
import StateStore
import TestSupport
import Testing

@Suite("State changes returned by the poll methods")
struct StateChangeTests {
    @Test("a sequence of polls reports exactly the transitions, and a restart reports none")
    func transitions() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock)
        let running = ObservedJob(id: "j", name: "Nightly", runs: [run("r1", .running, start: 1)])
        let idle = ObservedJob(id: "e", name: "Empty", runs: [])

        #expect(await store.pollSucceeded(target: "nas", jobs: [running, idle], duration: 1) == [
            .jobState(target: "nas", vendor: .inet, jobID: "j", jobName: "Nightly", runID: "r1",
                      from: nil, to: .running, vendorStatus: "running"),
        ])
        // Progress moving is not a state change.
        let progressed = ObservedJob(id: "j", name: "Nightly", runs: [run("r1", .running, start: 1, progress: 50)])
        #expect(await store.pollSucceeded(target: "nas", jobs: [progressed, idle], duration: 1) == [])

        let finished = ObservedJob(id: "j", name: "Nightly", runs: [run("r1", .succeeded, start: 1, end: 2)])
        #expect(await store.pollSucceeded(target: "nas", jobs: [finished, idle], duration: 1) == [
            .jobState(target: "nas", vendor: .inet, jobID: "j", jobName: "Nightly", runID: "r1",
                      from: .running, to: .succeeded, vendorStatus: "succeeded"),
        ])

        let down = PollError(.auth, "HTTP 401 on /api/login")
        #expect(await store.pollFailed(target: "nas", error: down, duration: 0.5) == [
            .targetDown(target: "nas", vendor: .inet, reason: .auth, message: "HTTP 401 on /api/login"),
        ])
        #expect(await store.pollFailed(target: "nas", error: PollError(.timeout, "after 10s"), duration: 10) == [])

        let next = ObservedJob(id: "j", name: "Nightly", runs: [run("r2", .waiting), run("r1", .succeeded, start: 1, end: 2)])
        #expect(await store.pollSucceeded(target: "nas", jobs: [next, idle], duration: 1) == [
            .targetUp(target: "nas", vendor: .inet),
            .jobState(target: "nas", vendor: .inet, jobID: "j", jobName: "Nightly", runID: "r2",
                      from: .succeeded, to: .waiting, vendorStatus: "waiting"),
        ])
        await store.close()

        let reopened = try await openStore(directory, clock: clock)
        #expect(await reopened.pollSucceeded(target: "nas", jobs: [next, idle], duration: 1) == [])
    }

    @Test("the first poll since start reports a failure, but a success after a restart is not a recovery")
    func firstPollSinceStart() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock)
        #expect(await store.pollFailed(target: "nas", error: PollError(.connect, "refused"), duration: 0) == [
            .targetDown(target: "nas", vendor: .inet, reason: .connect, message: "refused"),
        ])
        await store.close()

        let reopened = try await openStore(directory, clock: clock)
        #expect(await reopened.pollSucceeded(target: "nas", jobs: [], duration: 1) == [])
        #expect(await reopened.pollFailed(target: "nas", error: PollError(.tls, "expired"), duration: 0) == [
            .targetDown(target: "nas", vendor: .inet, reason: .tls, message: "expired"),
        ])
    }
}
