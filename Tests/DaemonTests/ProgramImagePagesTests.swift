@testable import Daemon
import Foundation
import TestSupport
import Testing

/// The daemon gives back the pages of its own binary that start-up touched: only clean
/// read-only mappings of the binary are advised, and what is advised really leaves the process.
@Suite("the binary's start-up pages")
struct ProgramImagePagesTests {
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

    @Test("of the binary's four mappings only the read-only head and the code are advised; RELRO, data, libc and the heap are not")
    func choosesCleanReadOnlyMappingsOfTheBinary() {
        let mappings = ProgramImagePages.parse(smaps: Self.smaps)
        #expect(mappings.count == 7)
        let image: Substring = "/opt/backup exporter/bin/backup-exporter (deleted)"
        let chosen = ProgramImagePages.reclaimable(mappings, image: image)
        #expect(chosen.map(\.start) == [0x5612a000_0000, 0x5612a06f_0000])
        #expect(chosen.map(\.end) == [0x5612a06f_0000, 0x5612a210_2000])
        #expect(chosen.map(\.residentBytes) == [1344 * 1024, 15152 * 1024])
        #expect(ProgramImagePages.resident(of: image, in: mappings) == (1344 + 15152 + 1112 + 2816) * 1024)
        #expect(ProgramImagePages.reclaimable(mappings, image: "/usr/lib/x86_64-linux-gnu/libc.so.6").count == 1)
        #expect(ProgramImagePages.reclaimable(mappings, image: "/opt/backup").isEmpty)
    }

    @Test("in this test process the binary's resident bytes drop, and the code still runs after")
    func releasesThisProcessesPages() throws {
        let release = try #require(ProgramImagePages.release())
        #expect(release.advisedBytes > 0)
        #expect(release.residentAfter < release.residentBefore, "\(release)")
        // The code just given back runs again (faulted in from the file).
        #expect(ProgramImagePages.parse(smaps: Self.smaps).count == 7)
    }

    @Test("the daemon binary gives its pages back once READY=1 is sent and again after a reload")
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
        #expect(start.after < start.before / 2, "\(start)")
        #expect(start.advised > 0)
        // Read from outside: the binary's resident bytes stay below what start-up left behind.
        let image = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/exe")
        let smaps = try String(contentsOfFile: "/proc/\(daemon.pid)/smaps", encoding: .utf8)
        let resident = ProgramImagePages.resident(of: Substring(image), in: ProgramImagePages.parse(smaps: smaps))
        #expect(resident > 0 && resident < start.before, "\(resident) of \(start)")

        daemon.signal(SIGHUP)
        #expect(await eventually { releaseLine(daemon.output, after: "reload") != nil }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output)")
    }

    /// The figures of the daemon's "binary's pages given back" logfmt line for `after`.
    private func releaseLine(_ output: String, after: String) -> (before: Int, after: Int, advised: Int)? {
        guard let line = output.split(separator: "\n").first(where: {
            $0.contains("msg=\"binary's pages given back\"") && $0.contains(" after=\(after)")
        }) else { return nil }
        func value(_ key: String) -> Int? {
            line.split(separator: " ").first { $0.hasPrefix(key + "=") }.flatMap { Int($0.dropFirst(key.count + 1)) }
        }
        guard let before = value("resident_bytes_before"), let afterBytes = value("resident_bytes_after"),
              let advised = value("advised_bytes") else { return nil }
        return (before, afterBytes, advised)
    }
}
