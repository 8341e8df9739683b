import Daemon
import Foundation
import TestSupport
import Testing

/// The daemon raises its soft open-file limit to the hard limit at start, as Go programs do.
@Suite("Open file limit")
struct FileDescriptorLimitTests {
    @Test("started with a soft limit of 1024 under a higher hard limit, the daemon runs with soft = hard and logs both")
    func raisedAtStart() throws {
        let hard = try #require(Self.limits(pid: getpid())?.hard)
        try #require(hard > 1024, "the test needs a hard limit above 1024 (have \(hard))")
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A config the daemon starts with (an empty one is refused, and the daemon would be gone
        // before the test reads its limits): one unreachable target, polled hourly.
        try """
            defaults: { interval: 1h }
            targets:
              - name: nowhere
                vendor: inet
                url: http://127.0.0.1:9
                auth: { token: unused }
            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        // prlimit(1) would do too; a shell's ulimit -S -n is everywhere.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let binary = ChildProcess.productURL("backup-exporter").path
        process.arguments = ["-c", "ulimit -S -n 1024 && exec \"$0\" --config.file \"$1/config.yaml\" --storage.path \"$1/state\" --web.listen-address 127.0.0.1:0 --log.format logfmt", binary, directory]
        // A file, not a pipe: the test reads it while the daemon runs.
        let logPath = directory + "/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = output
        process.standardOutput = output
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The daemon logs the limits right after raising them; wait for that line, then look.
        var log = ""
        for _ in 0..<200 where !log.contains("msg=\"open file limit\"") {
            Thread.sleep(forTimeInterval: 0.05)
            log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        }
        try #require(process.isRunning, "the daemon exited: \(log)")
        let limits = Self.limits(pid: process.processIdentifier)
        #expect(limits?.soft == hard)
        #expect(limits?.hard == hard)
        #expect(log.contains("msg=\"open file limit\"") && log.contains("soft_before=1024") && log.contains("soft=\(hard)"), "\(log)")
    }

    /// "Max open files" of a process, from /proc.
    static func limits(pid: Int32) -> (soft: UInt64, hard: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 5, let soft = UInt64(fields[3]), let hard = UInt64(fields[4]) else { return nil }
        return (soft, hard)
    }
}
