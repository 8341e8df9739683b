import Foundation

/// A built executable of this package (the daemon, the simulator) run as a real child process,
/// so tests can send it real signals, kill it with SIGKILL and read what it wrote.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    public let outputPath: String

    /// Starts `.build/<config>/<name>` with `arguments`; stdout and stderr go to one file. With
    /// `openFileLimit`, under `ulimit -n` of that many (soft and hard, as systemd's `LimitNOFILE=`
    /// sets them), through a shell that then execs it, so `pid` is still the executable's.
    public convenience init(executable name: String, arguments: [String], environment: [String: String] = [:], directory: String,
                            openFileLimit: Int? = nil) throws {
        if let openFileLimit {
            try self.init(program: URL(fileURLWithPath: "/bin/sh"),
                          arguments: ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", Self.productURL(name).path] + arguments,
                          environment: environment, directory: directory, logName: name)
        } else {
            try self.init(program: Self.productURL(name), arguments: arguments, environment: environment, directory: directory)
        }
    }

    /// Starts any program (a wrapper such as `systemd-socket-activate` around one of ours).
    public init(program: URL, arguments: [String], environment: [String: String] = [:], directory: String,
                logName: String? = nil) throws {
        outputPath = directory + "/\(logName ?? program.lastPathComponent)-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process = Process()
        process.executableURL = program
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // The test runner's own systemd variables must not leak into the child.
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "STATE_DIRECTORY"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits up to `timeout` seconds for the process to exit; returns its status, or nil if it
    /// is still running.
    public func waitForExit(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGKILL, for cleanup and crash tests.
    public func kill9() async {
        if process.isRunning { signal(SIGKILL) }
        _ = await waitForExit(timeout: 5)
    }

    /// Where SwiftPM put this package's executables: beside the test bundle.
    public static func productURL(_ name: String) -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = bundle.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/\(name)")
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass; returns whether it held.
/// For waiting on a daemon's timers, never for asserting speed.
public func eventually(timeout: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}
