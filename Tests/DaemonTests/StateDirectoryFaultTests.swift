import Foundation
import Simulator
import TestSupport
import Testing

/// The state directory goes bad under a running daemon (a child process): full, read-only, or
/// deleted. Each time metrics keep being served and moving, the failure is logged at `error` and
/// counted in `backup_exporter_state_write_errors_total`, writes resume when it clears, and a
/// restart finds the newest counts, including the changes made while writing failed.
///
/// Full and read-only need root, mount(8) and loop devices; CI has all three. Read-only is a real
/// ext4 file system forced read-only the way the kernel does it on an I/O error
/// (`errors=remount-ro`, staged with the `abort` mount option): a plain `remount,ro` is refused
/// with EBUSY while the database is open for writing. It "clears" the way an operator would clear
/// it without stopping the daemon: the broken file system is unmounted (lazily, the daemon still
/// has files open on it) and the path is a writable directory again.
@Suite("State directory faults", .serialized)
struct StateDirectoryFaultTests {
    @Test("a full state directory: served, counted, logged at error, and writes resume when space returns")
    func fullDisk() async throws {
        let rig = try await StateDirectoryRig()
        defer { rig.tearDown() }
        try #require(rig.mount(["-t", "tmpfs", "-o", "size=2m", "tmpfs"]), "mounting a tmpfs needs root and mount(8)")

        try await rig.startDaemon()
        try await rig.expectSucceeded(1, writeErrors: .none)

        // Full: fill the tmpfs, finish another run, then free the space.
        let filler = rig.stateDirectory + "/filler"
        _ = StateDirectoryRig.run("/bin/dd", ["if=/dev/zero", "of=" + filler, "bs=64k", "count=64"])
        try await rig.expectSucceeded(2, writeErrors: .increasing)
        rig.expectLogged("level=error msg=\"cannot write the state store\"")
        try FileManager.default.removeItem(atPath: filler)
        try await rig.expectSucceeded(3, writeErrors: .stopped)
        rig.expectLogged("msg=\"state store writes resumed\"")

        try await rig.expectRestartFinds(succeeded: 3)
    }

    @Test("a file system that goes read-only: served, counted, logged at error, and the state is rewritten in full when the path is writable again")
    func readOnlyFileSystem() async throws {
        let rig = try await StateDirectoryRig()
        defer { rig.tearDown() }
        let image = rig.directory + "/state.img"
        try #require(StateDirectoryRig.run("/usr/bin/truncate", ["-s", "16M", image]) == 0)
        try #require(StateDirectoryRig.run("/sbin/mkfs.ext4", ["-q", "-F", image]) == 0, "needs mkfs.ext4 (e2fsprogs)")
        try #require(rig.mount(["-o", "loop,errors=remount-ro", image]), "mounting an ext4 image needs root, mount(8) and loop devices")

        try await rig.startDaemon()
        try await rig.expectSucceeded(1, writeErrors: .none)

        // What the kernel does to ext4 after an I/O error with errors=remount-ro.
        try #require(StateDirectoryRig.run("/bin/mount", ["-o", "remount,abort", rig.stateDirectory]) == 0)
        #expect(StateDirectoryRig.run("/usr/bin/touch", [rig.stateDirectory + "/probe"]) != 0, "the file system should refuse writes now")
        try await rig.expectSucceeded(2, writeErrors: .increasing)
        rig.expectLogged("level=error msg=\"cannot write the state store\"")
        rig.expectLogged("Read-only file system")

        // Cleared: the broken file system is gone from the path, a writable directory is there.
        try #require(StateDirectoryRig.run("/bin/umount", ["-l", rig.stateDirectory]) == 0)
        try await rig.expectSucceeded(3, writeErrors: .stopped)
        rig.expectLogged("msg=\"state store writes resumed\"")
        #expect(FileManager.default.fileExists(atPath: rig.stateDirectory + "/state.sqlite"))

        // Run 1 was written to the old file system only; the restart still counts it.
        try await rig.expectRestartFinds(succeeded: 3)
    }

    @Test("a state directory deleted while running is recreated with everything the daemon holds")
    func deletedDirectory() async throws {
        let rig = try await StateDirectoryRig()
        defer { rig.tearDown() }
        try await rig.startDaemon()
        try await rig.expectSucceeded(1, writeErrors: .none)

        try FileManager.default.removeItem(atPath: rig.stateDirectory)
        try await rig.expectSucceeded(2, writeErrors: .increasing)
        rig.expectLogged("level=error msg=\"cannot write the state store\"")
        rig.expectLogged("deleted or replaced while open")
        try await rig.expectSucceeded(3, writeErrors: .stopped)
        #expect(FileManager.default.fileExists(atPath: rig.stateDirectory + "/lock"))

        try await rig.expectRestartFinds(succeeded: 3)
    }
}

/// One daemon polling one scripted i-net job every 100 ms, with its state directory at
/// `stateDirectory` (a mount point when a test mounts something there).
final class StateDirectoryRig: @unchecked Sendable {
    enum WriteErrors {
        case none
        case increasing
        /// Counted before, no longer moving.
        case stopped
    }

    let workspace: ChildDaemonWorkspace
    let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 125)  // run 0 finished
    let port: Int
    var directory: String { workspace.directory }
    var stateDirectory: String { workspace.stateDirectory }
    private var daemon: ChildProcess?
    private var mounted = false
    private var runsFinished = 1
    private let job = DaemonFixture.nightly.id

    init() async throws {
        workspace = try await ChildDaemonWorkspace.make(clock: clock, jobs: [DaemonFixture.nightly], config: ChildDaemonWorkspace.oneTarget)
        try FileManager.default.createDirectory(atPath: workspace.stateDirectory, withIntermediateDirectories: true)
        port = try freePort()
    }

    func tearDown() {
        daemon?.signal(SIGKILL)
        if mounted {
            _ = Self.run("/bin/umount", ["-l", stateDirectory])
        }
        let workspace = workspace
        Task { await workspace.tearDown() }
    }

    /// Mounts `arguments` (type/options and source) on the state directory.
    func mount(_ arguments: [String]) -> Bool {
        mounted = Self.run("/bin/mount", arguments + [stateDirectory]) == 0
        return mounted
    }

    func startDaemon() async throws {
        daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: workspace.arguments(port: port) + ["--log.format", "logfmt"],
            directory: directory)
        _ = await eventually { await self.page().value("backup_exporter_build_info") == 1 }
    }

    func page() async -> MetricsPage {
        MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "")
    }

    private func succeeded(_ page: MetricsPage) -> Double? {
        page.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"])
    }

    private func writeErrors(_ page: MetricsPage) -> Double {
        page.value("backup_exporter_state_write_errors_total") ?? 0
    }

    /// Lets the vendor finish runs until `count` have, then checks `/metrics` shows them and the
    /// write error counter does what the fault should make it do.
    func expectSucceeded(_ count: Int, writeErrors expected: WriteErrors) async throws {
        let before = writeErrors(await page())
        while runsFinished < count {
            clock.advance(by: 120)
            runsFinished += 1
        }
        var seen = MetricsPage("")
        _ = await eventually {
            seen = await page()
            let errorsMoved = writeErrors(seen) > before
            return succeeded(seen) == Double(count) && (expected == .increasing ? errorsMoved : true)
        }
        #expect(succeeded(seen) == Double(count), "\(output.suffix(2000))")
        switch expected {
        case .none:
            #expect(writeErrors(seen) == 0)
        case .increasing:
            #expect(writeErrors(seen) > before, "\(output.suffix(2000))")
        case .stopped:
            // Writes resume within the store's reopen interval (5 s), then the counter stands still.
            var stable = false
            _ = await eventually(timeout: 15) {
                let first = writeErrors(await page())
                try? await Task.sleep(for: .milliseconds(600))
                stable = writeErrors(await page()) == first
                return stable
            }
            #expect(stable, "writes should succeed again: \(output.suffix(2000))")
            #expect(writeErrors(await page()) > 0)
        }
    }

    func expectLogged(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(output.contains(text), "\(output.suffix(2000))", sourceLocation: sourceLocation)
    }

    /// A clean stop and a restart against a vendor that only answers 503: whatever `/metrics`
    /// shows then came from the state directory.
    func expectRestartFinds(succeeded count: Int) async throws {
        daemon?.signal(SIGTERM)
        #expect(await daemon?.waitForExit(timeout: 5) == 0, "\(output.suffix(2000))")
        workspace.simulator.faults.set(.status(503))
        try await startDaemon()
        let seen = await page()
        #expect(succeeded(seen) == Double(count), "\(output.suffix(2000))")
        let lastEnd = DaemonFixture.epoch + 110 + Double(count - 1) * 120
        #expect(seen.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == lastEnd)
        daemon?.signal(SIGTERM)
        _ = await daemon?.waitForExit(timeout: 5)
    }

    private var output: String { daemon?.output ?? "" }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
