import BackupModel
import Foundation
import StateStore
import TestSupport
import Testing

/// Tests run as root, which ignores file permissions, so a read-only directory cannot be staged
/// here (the daemon-level `StateDirectoryFaultTests` make a real file system go read-only).
/// Instead a second connection holds SQLite's write lock (`BEGIN IMMEDIATE`): the store's own
/// write then genuinely fails with "database is locked" through the same code path as a
/// read-only or full disk, and the condition clears when that connection rolls back.
@Suite("Failed writes keep the state and are retried")
struct WriteFailureTests {
    @Test("a failed write is counted, the snapshot stays right, and the change is written once writing works again")
    func retriedAfterFailure() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        let blocker = try RawDatabase(path: directory.databasePath, readOnly: false)
        try blocker.execute("BEGIN IMMEDIATE")

        let job = ObservedJob(id: "j", name: "Nightly", runs: [run("r1", .succeeded, start: 10, end: 20)])
        let changes = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(changes.count == 1)
        var snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 1)
        #expect(snapshot.job("nas", "j")?.history == JobHistory(lastSuccessTime: 20, runsByResult: counts(succeeded: 1), firstSeenTime: 1_000))
        #expect(await store.lastWriteError == "state store \(directory.databasePath): database is locked")

        _ = await store.pollFailed(target: "nas", error: PollError(.timeout, "slow"), duration: 9)
        #expect(await store.snapshot().stateWriteErrors == 2)
        // Two failed writes for one reason: one change to log.
        #expect(await store.takeWriteHealthChanges() == [.failing("state store \(directory.databasePath): database is locked")])

        try blocker.execute("ROLLBACK")
        #expect(try blocker.rows("SELECT count(*) FROM job") == [["0"]])
        _ = await store.pollFailed(target: "nas", error: PollError(.timeout, "slow"), duration: 9)
        snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 2)
        #expect(await store.lastWriteError == nil)
        #expect(await store.takeWriteHealthChanges() == [.resumed])
        #expect(try blocker.rows("SELECT job_id, runs_succeeded, last_success_time FROM job") == [["j", "1", "20.0"]])
        #expect(try blocker.rows("SELECT run_id FROM counted_run") == [["r1"]])
        #expect(try blocker.rows("SELECT last_success_time FROM target") == [["1000.0"]])

        await store.close()
        let reopened = try await openStore(directory, clock: clock)
        _ = await reopened.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 1))
    }

    @Test("a database file deleted while open is counted, reported once and recreated with everything in memory")
    func deletedFile() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        let old = ObservedJob(id: "old", name: "Old", runs: [run("r0", .succeeded, start: 1, end: 5)])
        _ = await store.pollSucceeded(target: "nas", jobs: [old], duration: 1)
        try FileManager.default.removeItem(atPath: directory.databasePath)

        let new = ObservedJob(id: "new", name: "New", runs: [run("r1", .failed, start: 10, end: 20)])
        _ = await store.pollSucceeded(target: "nas", jobs: [old, new], duration: 1)
        let snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 1)
        #expect(snapshot.job("nas", "new")?.history.runsByResult == counts(failed: 1))
        let changes = await store.takeWriteHealthChanges()
        #expect(changes.count == 2)
        guard case .failing(let message) = changes.first else {
            Issue.record("expected a failure first, got \(changes)")
            return
        }
        #expect(message.hasPrefix("\(directory.databasePath): the database file was deleted"))
        #expect(changes.last == .resumed)
        #expect(await store.lastWriteError == nil)

        // The new file holds the job written before the deletion too, with its counted run.
        let raw = try RawDatabase(path: directory.databasePath, readOnly: true)
        #expect(try raw.rows("SELECT job_id, runs_succeeded, runs_failed FROM job ORDER BY job_id") == [["new", "0", "1"], ["old", "1", "0"]])
        #expect(try raw.rows("SELECT run_id, sequence FROM counted_run ORDER BY run_id") == [["r0", "0"], ["r1", "0"]])
        #expect(try raw.rows("SELECT last_success_time FROM target") == [["1000.0"]])
    }

    @Test("a state directory deleted while open is recreated, locked again, and keeps its counts across a restart")
    func deletedDirectory() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        let job = ObservedJob(id: "j", name: "J", runs: [run("r1", .succeeded, start: 1, end: 2)])
        _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        try FileManager.default.removeItem(atPath: directory.path)

        let later = ObservedJob(id: "j", name: "J", runs: [run("r2", .succeeded, start: 3, end: 4), run("r1", .succeeded, start: 1, end: 2)])
        _ = await store.pollSucceeded(target: "nas", jobs: [later], duration: 1)
        #expect(await store.snapshot().stateWriteErrors == 1)
        #expect(await store.lastWriteError == nil)
        #expect(FileManager.default.fileExists(atPath: directory.databasePath))
        let error = #expect(throws: StoreError.self) {
            try StateStore(directory: directory.path, build: testBuild)
        }
        #expect(error?.message.hasPrefix("the state directory is in use by another process") == true)

        await store.close()
        let reopened = try await openStore(directory, clock: clock)
        // r1 and r2 were both counted before, so seeing them again counts nothing.
        _ = await reopened.pollSucceeded(target: "nas", jobs: [later], duration: 1)
        let history = await reopened.snapshot().job("nas", "j")?.history
        #expect(history?.runsByResult == counts(succeeded: 2))
        #expect(history?.lastSuccessTime == 4)
        await reopened.close()
    }

    @Test("results arriving after close stay in memory and count as failed writes")
    func afterClose() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        await store.close()
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(await store.snapshot().stateWriteErrors == 1)
        #expect(await store.snapshot().target("nas")?.health.up == true)
    }
}
