@testable import Daemon
import Foundation
import TestSupport
import Testing

/// The daemon gives back the clean pages of its binary and libraries that start-up touched: only
/// read-only file mappings with no anonymous page are advised, and what is advised really leaves
/// the process.
@Suite("the start-up pages of mapped files")
struct MappedFilePagesTests {
    /// Shaped like a real `/proc/self/smaps` of the release binary (fields cut to those read):
    /// its read-only head, code, RELRO (relocated, so anonymous), data (writable, none of it
    /// written yet), then libc and the heap.
    static let smaps = """
        5612a0000000-5612a06f0000 r--p 00000000 fe:00 5489919                    /opt/backup exporter/bin/backup-exporter (deleted)
        Size:               7104 kB
        Rss:                1344 kB
        Anonymous:             0 kB
        5612a06f0000-5612a2102000 r-xp 006ef000 fe:00 5489919                    /opt/backup exporter/bin/backup-exporter (deleted)
        Size:              26696 kB
        Rss:               15152 kB
        Anonymous:             0 kB
        5612a2102000-5612a2218000 r--p 02100000 fe:00 5489919                    /opt/backup exporter/bin/backup-exporter (deleted)
        Rss:                1112 kB
        Anonymous:          1112 kB
        5612a2218000-5612a4761000 rw-p 02215000 fe:00 5489919                    /opt/backup exporter/bin/backup-exporter (deleted)
        Rss:                2816 kB
        Anonymous:             0 kB
        7f00a0000000-7f00a0180000 r-xp 00028000 fe:00 1311234                    /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                1136 kB
        Anonymous:             0 kB
        5612a5000000-5612a5100000 rw-p 00000000 00:00 0                          [heap]
        Rss:                 132 kB
        Anonymous:           132 kB
        7f00a0200000-7f00a0201000 rw-p 00000000 00:00 0 
        Rss:                   4 kB
        Anonymous:             4 kB
        """

    @Test("the binary's read-only head and code and libc's code are advised; RELRO, data, the heap and anonymous memory are not")
    func choosesCleanReadOnlyFileMappings() {
        let mappings = MappedFilePages.parse(smaps: Self.smaps)
        #expect(mappings.count == 7)
        #expect(mappings[0].path == "/opt/backup exporter/bin/backup-exporter (deleted)")
        let chosen = MappedFilePages.reclaimable(mappings)
        #expect(chosen.map(\.start) == [0x5612a000_0000, 0x5612a06f_0000, 0x7f00a000_0000])
        #expect(chosen.map(\.end) == [0x5612a06f_0000, 0x5612a210_2000, 0x7f00a018_0000])
        #expect(chosen.map(\.residentBytes) == [1344 * 1024, 15152 * 1024, 1136 * 1024])
        #expect(MappedFilePages.residentInFiles(mappings) == (1344 + 15152 + 1112 + 2816 + 1136) * 1024)
    }

    @Test("in this test process the file mappings' resident bytes drop, and the code still runs after")
    func releasesThisProcessesPages() throws {
        let release = try #require(MappedFilePages.release())
        #expect(release.advisedBytes > 0)
        #expect(release.residentAfter < release.residentBefore, "\(release)")
        // The code just given back runs again (faulted in from the file).
        #expect(MappedFilePages.parse(smaps: Self.smaps).count == 7)
    }

    @Test("the daemon binary gives its start-up pages back once READY=1 is sent and again after a reload")
    func daemonReleasesAfterStartAndReload() async throws {
        let workspace = try await ChildDaemonWorkspace.make(clock: .manual(at: DaemonFixture.epoch), interval: "1h")
        defer { Task { await workspace.tearDown() } }
        let daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: workspace.arguments(port: try freePort()) + ["--log.format", "logfmt"],
            environment: ["INET_PASSWORD": DaemonFixture.password], directory: workspace.directory)
        defer { Task { await daemon.kill9() } }

        #expect(await eventually { releaseLine(daemon.output, after: "start") != nil }, "\(daemon.output)")
        let start = try #require(releaseLine(daemon.output, after: "start"))
        // At least 4 MiB: the binary's start-up code alone is more (libraries the test runner
        // maps too, as a debug build's Swift runtime, stay: the kernel skips shared pages).
        #expect(start.after <= start.before - 4 << 20, "\(start)")
        #expect(start.advised > 0)
        // Read from outside: the file mappings' resident bytes stay below what start-up left behind.
        let smaps = try String(contentsOfFile: "/proc/\(daemon.pid)/smaps", encoding: .utf8)
        let resident = MappedFilePages.residentInFiles(MappedFilePages.parse(smaps: smaps))
        #expect(resident > 0 && resident < start.before, "\(resident) of \(start)")

        daemon.signal(SIGHUP)
        #expect(await eventually { releaseLine(daemon.output, after: "reload") != nil }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output)")
    }

    /// The figures of the daemon's "mapped file pages given back" logfmt line for `after`.
    private func releaseLine(_ output: String, after: String) -> (before: Int, after: Int, advised: Int)? {
        guard let line = output.split(separator: "\n").first(where: {
            $0.contains("msg=\"mapped file pages given back\"") && $0.contains(" after=\(after)")
        }) else { return nil }
        func value(_ key: String) -> Int? {
            line.split(separator: " ").first { $0.hasPrefix(key + "=") }.flatMap { Int($0.dropFirst(key.count + 1)) }
        }
        guard let before = value("resident_bytes_before"), let afterBytes = value("resident_bytes_after"),
              let advised = value("advised_bytes") else { return nil }
        return (before, afterBytes, advised)
    }
}
