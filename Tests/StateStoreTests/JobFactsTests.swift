import BackupModel
import StateStore
import TestSupport
import Testing

/// What the store keeps of a job beyond its runs' counts: first seen, the vendor's enabled flag
/// and next run, the vendor's words about a run, a job summarised by its definition only, and
/// the end of a run whose vendor sends no times.
@Suite("Job facts beyond the run counts")
struct JobFactsTests {
    @Test("a finished run without an end time ends at the poll that first saw it finished, and keeps that time across polls and a restart")
    func endStampedByFirstObservingPoll() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        // ECLYPSE: no times at all, only a state.
        let running = ObservedJob(id: "c83b", name: "", runs: [ObservedRun(id: "c83b", state: .running, progressPercent: 40)])
        let done = ObservedJob(id: "c83b", name: "", runs: [ObservedRun(id: "c83b", state: .succeeded, progressPercent: 100)])
        _ = await store.pollSucceeded(target: "nas", jobs: [running], duration: 1)
        #expect(await store.snapshot().job("nas", "c83b")?.lastRun?.endTime == nil)

        clock.advance(by: 60)
        _ = await store.pollSucceeded(target: "nas", jobs: [done], duration: 1)
        clock.advance(by: 60)
        _ = await store.pollSucceeded(target: "nas", jobs: [done], duration: 1)
        var job = await store.snapshot().job("nas", "c83b")
        #expect(job?.lastRun?.endTime == 1_060)
        #expect(job?.history.lastSuccessTime == 1_060)
        #expect(job?.history.runsByResult[.succeeded] == 1)
        await store.close()

        clock.advance(by: 600)
        let reopened = try await openStore(directory, clock: clock)
        _ = await reopened.pollSucceeded(target: "nas", jobs: [done], duration: 1)
        job = await reopened.snapshot().job("nas", "c83b")
        #expect(job?.lastRun?.endTime == 1_060)
        #expect(job?.history.lastSuccessTime == 1_060)
        #expect(job?.history.runsByResult[.succeeded] == 1)
    }

    @Test("a failure word seen by a poll sets the last failure time to that poll's time")
    func failureStampedByObservingPoll() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(5_000)
        let store = try await openStore(directory, clock: clock)
        _ = await store.pollSucceeded(
            target: "nas", jobs: [ObservedJob(id: "e1", name: "", runs: [ObservedRun(id: "e1", state: .failed, vendorStatus: "Error")])],
            duration: 1)
        #expect(await store.snapshot().job("nas", "e1")?.history.lastFailureTime == 5_000)
    }

    @Test("first seen is the first poll that listed the job, never moved by later polls, and survives a restart")
    func firstSeenIsKept() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(2_000)
        let store = try await openStore(directory, clock: clock)
        let job = ObservedJob(id: "j", name: "J", runs: [])
        _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        clock.advance(by: 3_600)
        _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(await store.snapshot().job("nas", "j")?.history.firstSeenTime == 2_000)
        await store.close()

        clock.advance(by: 3_600)
        let reopened = try await openStore(directory, clock: clock)
        #expect(await reopened.snapshot().job("nas", "j")?.history.firstSeenTime == 2_000)
        _ = await reopened.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.firstSeenTime == 2_000)
    }

    @Test("enabled and next run follow the vendor's latest answer and come back after a restart")
    func enabledAndNextRun() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock, targets: [m365])
        _ = await store.pollSucceeded(target: "m365", jobs: [
            ObservedJob(id: "mail", name: "Mail", runs: [], enabled: true, nextRunTime: 1_700_086_400),
        ], duration: 1)
        _ = await store.pollSucceeded(target: "m365", jobs: [
            ObservedJob(id: "mail", name: "Mail", runs: [], enabled: false, nextRunTime: nil),
        ], duration: 1)
        var job = await store.snapshot().job("m365", "mail")
        #expect(job?.enabled == false)
        #expect(job?.nextRunTime == nil)

        _ = await store.pollSucceeded(target: "m365", jobs: [
            ObservedJob(id: "mail", name: "Mail", runs: [], enabled: true, nextRunTime: 1_700_172_800),
        ], duration: 1)
        await store.close()
        let reopened = try await openStore(directory, clock: clock, targets: [m365])
        job = await reopened.snapshot().job("m365", "mail")
        #expect(job?.enabled == true)
        #expect(job?.nextRunTime == 1_700_172_800)
    }

    @Test("a job with no run in the answer shows its definition's summary, which moves last success but is never counted")
    func summaryRunShownNotCounted() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock(), targets: [m365])
        let summary = ObservedRun(id: "", state: .failed, endTime: 1_699_000_000, vendorStatus: "Failed")
        let purged = ObservedJob(id: "mail", name: "Mail", runs: [], summaryRun: summary)
        let changes = await store.pollSucceeded(target: "m365", jobs: [purged], duration: 1)
        let job = await store.snapshot().job("m365", "mail")
        #expect(job?.lastRun?.state == .failed)
        #expect(job?.history.lastFailureTime == 1_699_000_000)
        #expect(job?.history.runsByResult == counts())
        #expect(changes == [])

        // The definition's summary moves on (a later purged run): the store follows it.
        let later = ObservedRun(id: "", state: .succeeded, endTime: 1_699_050_000, vendorStatus: "Success")
        _ = await store.pollSucceeded(target: "m365", jobs: [ObservedJob(id: "mail", name: "Mail", runs: [], summaryRun: later)], duration: 1)
        let followed = await store.snapshot().job("m365", "mail")
        #expect(followed?.lastRun?.state == .succeeded)
        #expect(followed?.history.lastSuccessTime == 1_699_050_000)
        #expect(followed?.history.runsByResult == counts())

        // Once a real run is listed, the summary gives way to it.
        let withSession = ObservedJob(
            id: "mail", name: "Mail", runs: [run("s9", .succeeded, start: 1_699_100_000, end: 1_699_100_600)], summaryRun: summary)
        _ = await store.pollSucceeded(target: "m365", jobs: [withSession], duration: 1)
        let after = await store.snapshot().job("m365", "mail")
        #expect(after?.lastRun?.id == "s9")
        #expect(after?.history.runsByResult == counts(succeeded: 1))

        // And a later purge does not replace the real run the store holds.
        _ = await store.pollSucceeded(target: "m365", jobs: [purged], duration: 1)
        #expect(await store.snapshot().job("m365", "mail")?.lastRun?.id == "s9")
    }

    @Test("the vendor's message travels with the state change and is kept with the last run across a restart")
    func vendorMessageKept() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try await openStore(directory, clock: clock)
        let failed = ObservedRun(
            id: "r1", state: .failed, startTime: 10, endTime: 20, vendorStatus: "Failed",
            vendorMessage: "Task 'Mail': mailbox store unreachable")
        let changes = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [failed])], duration: 1)
        #expect(changes == [.jobState(
            target: "nas", vendor: .inet, jobID: "j", jobName: "J", runID: "r1", from: nil, to: .failed,
            vendorStatus: "Failed", vendorMessage: "Task 'Mail': mailbox store unreachable")])
        await store.close()
        let reopened = try await openStore(directory, clock: clock)
        #expect(await reopened.snapshot().job("nas", "j")?.lastRun?.vendorMessage == "Task 'Mail': mailbox store unreachable")
    }

    @Test("a database of schema 1 is migrated: its rows load, and first seen starts at the next poll")
    func migratesSchemaOne() async throws {
        let directory = try TemporaryDirectory()
        do {
            _ = try StateStore(directory: directory.path, build: testBuild)
        }
        let raw = try RawDatabase(path: directory.databasePath, readOnly: false)
        // Schema 1 as release 1 wrote it, with one job row.
        try raw.execute("""
            DROP TABLE counted_run;
            CREATE TABLE counted_run (
                target TEXT NOT NULL, job_id TEXT NOT NULL, run_id TEXT NOT NULL, sequence INTEGER NOT NULL,
                PRIMARY KEY (target, job_id, run_id)) WITHOUT ROWID;
            DROP TABLE job;
            CREATE TABLE job (
                target TEXT NOT NULL, job_id TEXT NOT NULL, name TEXT NOT NULL, listed INTEGER NOT NULL,
                run_id TEXT, run_state TEXT, run_progress REAL, run_start REAL, run_end REAL, run_duration REAL,
                run_size REAL, run_vendor_status TEXT, last_success_time REAL, last_failure_time REAL,
                runs_succeeded INTEGER NOT NULL DEFAULT 0, runs_warning INTEGER NOT NULL DEFAULT 0,
                runs_failed INTEGER NOT NULL DEFAULT 0, runs_cancelled INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (target, job_id)) WITHOUT ROWID;
            INSERT INTO job VALUES ('nas', 'j', 'Nightly', 1, 'r1', 'succeeded', 100, 10, 20, NULL, NULL, 'Done',
                                    20, NULL, 3, 0, 0, 0);
            PRAGMA user_version = 1;
            """)
        let clock = ManualClock(9_000)
        let store = try await openStore(directory, clock: clock)
        var job = await store.snapshot().job("nas", "j")
        #expect(job?.lastRun?.id == "r1")
        #expect(job?.history.runsByResult[.succeeded] == 3)
        #expect(job?.history.firstSeenTime == nil)
        _ = await store.pollSucceeded(target: "nas", jobs: [ObservedJob(id: "j", name: "Nightly", runs: [])], duration: 1)
        job = await store.snapshot().job("nas", "j")
        #expect(job?.history.firstSeenTime == 9_000)
        #expect(try raw.rows("PRAGMA user_version") == [["3"]])
    }
}
