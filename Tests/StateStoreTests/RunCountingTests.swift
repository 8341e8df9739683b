import BackupModel
import StateStore
import TestSupport
import Testing

@Suite("Runs counted by result and last success/failure times")
struct RunCountingTests {
    @Test("the same finished run seen in three polls and again after a reopen is counted once")
    func countedOnce() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let job = ObservedJob(id: "j", name: "J", runs: [run("r1", .succeeded, start: 10, end: 20)])
        let store = try await openStore(directory, clock: clock)
        for _ in 0..<3 {
            _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        }
        #expect(await store.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 1))
        await store.close()

        let reopened = try await openStore(directory, clock: clock)
        _ = await reopened.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 1))

        let newer = ObservedJob(id: "j", name: "J", runs: [
            run("r3", .failed, start: 50, end: 60), run("r2", .warning, start: 30, end: 40),
            run("r1", .succeeded, start: 10, end: 20),
        ])
        _ = await reopened.pollSucceeded(target: "nas", jobs: [newer], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult
            == counts(succeeded: 1, warning: 1, failed: 1))
    }

    @Test("a run is counted when it finishes, not while it waits or runs")
    func countedWhenFinished() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        for state in [JobState.waiting, .running, .running, .unknown] {
            _ = await store.pollSucceeded(
                target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [run("r1", state, start: 5)])], duration: 1)
            #expect(await store.snapshot().job("nas", "j")?.history == JobHistory(runsByResult: counts(), firstSeenTime: 1_700_000_000))
        }
        for _ in 0..<2 {
            _ = await store.pollSucceeded(
                target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [run("r1", .cancelled, start: 5, end: 9)])],
                duration: 1)
        }
        #expect(await store.snapshot().job("nas", "j")?.history == JobHistory(runsByResult: counts(cancelled: 1), firstSeenTime: 1_700_000_000))
    }

    @Test("an older run listed later does not move last success or last failure back")
    func timesNeverGoBackwards() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [
            run("new-ok", .succeeded, start: 900, end: 1_000), run("new-bad", .failed, start: 700, end: 800),
        ])], duration: 1)
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [
            run("old-ok", .warning, start: 100, end: 200), run("old-bad", .failed, start: 50, end: 60),
        ])], duration: 1)
        let history = await store.snapshot().job("nas", "j")?.history
        #expect(history?.lastSuccessTime == 1_000)
        #expect(history?.lastFailureTime == 800)
        #expect(history?.runsByResult == counts(succeeded: 1, warning: 1, failed: 2))
    }

    @Test("a finished run without an end time moves last success to its start time; cancelled moves neither")
    func startTimeFallback() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [
            run("c", .cancelled, start: 5_000, end: 6_000), run("s", .succeeded, start: 300),
        ])], duration: 1)
        let history = await store.snapshot().job("nas", "j")?.history
        #expect(history == JobHistory(
            lastSuccessTime: 300, lastFailureTime: nil, runsByResult: counts(succeeded: 1, cancelled: 1), firstSeenTime: 1_700_000_000))
    }

    @Test("only the newest 128 counted run ids are kept per job, and a first poll listing more counts them all")
    func countedIDsArePruned() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        let runs = (0..<300).reversed().map { run("r\($0)", .succeeded, start: Double($0), end: Double($0) + 1) }
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: runs)], duration: 1)
        #expect(await store.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 300))

        let raw = try RawDatabase(path: directory.databasePath, readOnly: true)
        // r172 ... r299 are kept; r0 ... r171 are pruned, and the newest of them ended at 172.
        #expect(try raw.rows("SELECT count(*), max(sequence) FROM counted_run WHERE job_id = 'j'") == [["128", "299"]])
        #expect(try raw.rows("SELECT run_id FROM counted_run WHERE job_id = 'j' ORDER BY sequence LIMIT 2") == [["r172"], ["r173"]])
        #expect(try raw.rows("SELECT forgotten_through FROM job WHERE job_id = 'j'") == [["172.0"]])
    }

    @Test("a pruned run listed again is not counted a second time, before or after a restart; a newer run still is")
    func prunedRunsAreNeverCountedTwice() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let runs = (0..<300).reversed().map { run("r\($0)", .succeeded, start: Double($0), end: Double($0) + 1) }
        let store = try await openStore(directory, clock: clock)
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: runs)], duration: 1)
        // A vendor that lists everything it has, every time (Unitrends' and Commvault's lists
        // span days): the pruned ids come back.
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: runs)], duration: 1)
        #expect(await store.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 300))
        await store.close()

        let reopened = try await openStore(directory, clock: clock)
        _ = await reopened.pollSucceeded(
            target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: Array(runs.suffix(50)))], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 300))

        let newer = [run("r300", .failed, start: 300, end: 301)] + runs
        _ = await reopened.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: newer)], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 300, failed: 1))
    }

    @Test("run ids counted by schema 2, which kept no run times, are pruned without letting one count twice")
    func timelessIDsFromSchemaTwo() async throws {
        let directory = try TemporaryDirectory()
        let runs = (0..<200).reversed().map { run("r\($0)", .succeeded, start: Double($0), end: Double($0) + 1) }
        do {
            let store = try await openStore(directory, clock: ManualClock())
            _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: Array(runs.prefix(1)))], duration: 1)
            await store.close()
        }
        // What schema 2 held: 200 counted ids (more than are kept now), no times, no watermark.
        let raw = try RawDatabase(path: directory.databasePath, readOnly: false)
        try raw.execute("DELETE FROM counted_run")
        for index in 0..<200 {
            try raw.execute("INSERT INTO counted_run (target, job_id, run_id, sequence) VALUES ('nas', 'j', 'r\(index)', \(index))")
        }
        try raw.execute("UPDATE job SET runs_succeeded = 200, forgotten_through = NULL")

        let store = try await openStore(directory, clock: ManualClock())
        let newer = [run("r200", .succeeded, start: 200, end: 201)] + runs
        for _ in 0..<2 {
            _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: newer)], duration: 1)
        }
        #expect(await store.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 201))
    }
}
