import BackupModel
import Foundation
import StateStore
import Testing

/// Tests run as root, which ignores file permissions, so a read-only directory cannot be staged.
/// Instead a second connection holds SQLite's write lock (`BEGIN IMMEDIATE`): the store's own
/// write then genuinely fails with "database is locked" through the same code path as a
/// read-only or full disk, and the condition clears when that connection rolls back.
@Suite("Failed writes keep the state and are retried")
struct WriteFailureTests {
    @Test("a failed write is counted, the snapshot stays right, and the change is written once writing works again")
    func retriedAfterFailure() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        let blocker = try RawDatabase(path: directory.databasePath, readOnly: false)
        try blocker.execute("BEGIN IMMEDIATE")

        let job = ObservedJob(id: "j", name: "Nightly", runs: [run("r1", .succeeded, start: 10, end: 20)])
        let changes = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(changes.count == 1)
        var snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 1)
        #expect(snapshot.job("nas", "j")?.history == JobHistory(lastSuccessTime: 20, runsByResult: counts(succeeded: 1)))
        #expect(await store.lastWriteError == "state store \(directory.databasePath): database is locked")

        _ = await store.pollFailed(target: "nas", error: PollError(.timeout, "slow"), duration: 9)
        #expect(await store.snapshot().stateWriteErrors == 2)

        try blocker.execute("ROLLBACK")
        #expect(try blocker.rows("SELECT count(*) FROM job") == [["0"]])
        _ = await store.pollFailed(target: "nas", error: PollError(.timeout, "slow"), duration: 9)
        snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 2)
        #expect(await store.lastWriteError == nil)
        #expect(try blocker.rows("SELECT job_id, runs_succeeded, last_success_time FROM job") == [["j", "1", "20.0"]])
        #expect(try blocker.rows("SELECT run_id FROM counted_run") == [["r1"]])
        #expect(try blocker.rows("SELECT last_success_time FROM target") == [["1000.0"]])

        await store.close()
        let reopened = try await openStore(directory, clock: clock)
        _ = await reopened.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(await reopened.snapshot().job("nas", "j")?.history.runsByResult == counts(succeeded: 1))
    }

    @Test("a database file deleted while open is reported instead of written into the void")
    func deletedFile() async throws {
        let directory = TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        try FileManager.default.removeItem(atPath: directory.databasePath)
        _ = await store.pollSucceeded(
            target: "nas", jobs: [ObservedJob(id: "j", name: "J", runs: [run("r1", .failed, start: 1, end: 2)])], duration: 1)
        let snapshot = await store.snapshot()
        #expect(snapshot.stateWriteErrors == 1)
        #expect(snapshot.job("nas", "j")?.history.runsByResult == counts(failed: 1))
        #expect(await store.lastWriteError?.hasPrefix("\(directory.databasePath): the database file was deleted") == true)
    }

    @Test("results arriving after close stay in memory and count as failed writes")
    func afterClose() async throws {
        let directory = TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        await store.close()
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(await store.snapshot().stateWriteErrors == 1)
        #expect(await store.snapshot().target("nas")?.health.up == true)
    }
}
