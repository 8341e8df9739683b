import BackupModel
import Foundation
import StateStore
import TestSupport
import Testing

@Suite("Nothing a poll method returned is lost")
struct CrashSafetyTests {
    @Test("rows are committed before the poll method returns: a second connection sees them while the store is open")
    func committedBeforeReturn() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        _ = await store.pollSucceeded(target: "nas", jobs: [
            ObservedJob(id: "j", name: "Nightly", runs: [run("r2", .running, start: 30), run("r1", .failed, start: 10, end: 20)]),
        ], duration: 1)

        let raw = try RawDatabase(path: directory.databasePath, readOnly: true)
        #expect(try raw.rows("PRAGMA journal_mode") == [["wal"]])
        #expect(try raw.rows("SELECT name, listed, run_id, run_state, last_failure_time, runs_failed FROM job")
            == [["Nightly", "1", "r2", "running", "20.0", "1"]])
        #expect(try raw.rows("SELECT run_id FROM counted_run") == [["r1"]])
        #expect(try raw.rows("SELECT name, last_success_time FROM target") == [["nas", "1000.0"]])
        withExtendedLifetime(store) {}
    }

    @Test("a writer process killed with SIGKILL mid-write loses no poll that had returned, and the store reopens")
    func sigkillMidWrite() async throws {
        let directory = try TemporaryDirectory()
        // The writer commits one poll after another as fast as the disk allows, so the kill lands
        // inside a transaction or an fsync almost every time, not between two polls.
        let writer = try ChildProcess(executable: "state-store-crash-writer", arguments: [directory.path], directory: directory.path)
        let started = await eventually(timeout: 30) { Self.committed(in: writer.output) >= 40 || !writer.process.isRunning }
        #expect(started && writer.process.isRunning, "the writer should still be writing: \(writer.output.suffix(500))")
        writer.signal(SIGKILL)
        #expect(await writer.waitForExit(timeout: 10) != nil)
        #expect(writer.process.terminationReason == .uncaughtSignal && writer.process.terminationStatus == SIGKILL)
        let promised = Self.committed(in: writer.output)

        // A clean close checkpoints and removes the WAL; a crash leaves it for the next open to replay.
        let wal = (try? FileManager.default.attributesOfItem(atPath: directory.databasePath + "-wal")[.size] as? Int) ?? 0
        #expect(wal > 0, "no WAL left behind: the writer was not stopped mid-flight")

        let reopened = try await openStore(directory, clock: ManualClock())
        let job = await reopened.snapshot().job("nas", "j")
        let counted = job?.history.runsByResult[.succeeded] ?? 0
        // Every poll whose return was printed is there; at most one more committed before its line was printed.
        #expect(counted >= UInt64(promised) && counted <= UInt64(promised) + 1, "printed \(promised), store has \(counted)")
        #expect(job?.lastRun?.id == "r\(counted)")
        let raw = try RawDatabase(path: directory.databasePath, readOnly: true)
        #expect(try raw.rows("PRAGMA integrity_check") == [["ok"]])
        #expect(try raw.rows("SELECT runs_succeeded FROM job") == [["\(counted)"]])
    }

    /// The highest "committed <n>" the writer printed.
    static func committed(in output: String) -> Int {
        output.split(separator: "\n").reversed().lazy.compactMap { line in
            line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
        }.first ?? 0
    }

    @Test("a target's last success time is written at most once a minute, and on close")
    func lastSuccessThrottled() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_000)
        let store = try await openStore(directory, clock: clock)
        let raw = try RawDatabase(path: directory.databasePath, readOnly: true)
        let query = "SELECT last_success_time FROM target WHERE name = 'nas'"

        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(try raw.rows(query) == [["1000.0"]])
        clock.advance(by: 59)
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(try raw.rows(query) == [["1000.0"]])
        clock.advance(by: 1)
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(try raw.rows(query) == [["1060.0"]])
        clock.advance(by: 5)
        _ = await store.pollSucceeded(target: "nas", jobs: [], duration: 1)
        #expect(try raw.rows(query) == [["1060.0"]])
        await store.close()
        #expect(try raw.rows(query) == [["1065.0"]])
    }

    @Test("a job row is written only when its last run or history changed")
    func writesOnlyOnChange() async throws {
        let directory = try TemporaryDirectory()
        let store = try await openStore(directory, clock: ManualClock())
        let job = ObservedJob(id: "j", name: "J", runs: [run("r1", .succeeded, start: 1, end: 2)])
        _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)

        // Change the row behind the store's back: an unchanged poll must not rewrite it.
        let raw = try RawDatabase(path: directory.databasePath, readOnly: false)
        try raw.execute("UPDATE job SET name = 'marker'")
        _ = await store.pollSucceeded(target: "nas", jobs: [job], duration: 1)
        #expect(try raw.rows("SELECT name FROM job") == [["marker"]])

        let renamed = ObservedJob(id: "j", name: "J2", runs: job.runs)
        _ = await store.pollSucceeded(target: "nas", jobs: [renamed], duration: 1)
        #expect(try raw.rows("SELECT name FROM job") == [["J2"]])
    }
}
