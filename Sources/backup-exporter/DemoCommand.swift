import BackupModel
import ArgumentParser
import Daemon
import FoundationEssentials
import Glibc
import Logging

/// `demo`: the vendor simulator and the daemon against it, on loopback, so a newcomer sees real
/// numbers move within seconds.
///
/// The simulator is its own program (`backup-simulator`, built beside this one), started here as
/// a child process: the daemon binary that ships carries no simulated vendor. The child writes
/// the daemon's config into a temporary folder and serves until the demo ends.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the vendor simulator and the daemon against it on loopback.")

    @Option(name: .customLong("web.listen-address"), help: "Where the daemon serves metrics.")
    var listenAddress: String = "127.0.0.1:9871"

    @Option(name: .customLong("log.level"), help: "debug, info, warning or error.")
    var logLevel: String = "info"

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        let flags = try DaemonFlags.parse(["--web.listen-address", listenAddress, "--log.level", logLevel, "--log.format", "logfmt"])
        flags.bootstrapLogging(environment: environment)
        let logger = Logger(label: "backup-exporter")
        guard let address = ListenAddress(listenAddress) else { throw ValidationError("bad --web.listen-address") }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-exporter-demo-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let simulator = try Self.startSimulator(writingInto: directory)
        defer {
            simulator.terminate()
            simulator.waitUntilExit()
        }
        guard let inetURL = await Self.waitForReady(in: directory, simulator: simulator) else {
            StandardError.write("backup-exporter demo: backup-simulator did not start\n")
            throw ExitCode.failure
        }
        for line in (try? String(contentsOfFile: directory + "/environment", encoding: .utf8))?.split(separator: "\n") ?? [] {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
        }
        let configPath = directory + "/config.yaml"
        let base = "http://\(address)"
        print("""
            backup-exporter demo
              simulated i-net server  \(inetURL)
              config                  \(configPath)
              metrics                 \(base)/metrics
              status (JSON)           \(base)/status
              unitrends-appliance goes down (HTTP 503) for 20 s of every minute
              watch a job move:       watch -n2 "curl -s \(base)/metrics | grep -E '^backup_job_(progress_ratio|state\\\\{.*\\\\} 1)'"
            Ctrl-C stops.

            """)
        let options = DaemonOptions(
            configPath: configPath, listenAddress: address, storagePath: directory + "/state", build: BuildVersion.buildInfo)
        do {
            MallocTuning.apply()
            try await DaemonMain.run(options: options, environment: environment, logger: logger)
        } catch {
            StandardError.write("backup-exporter demo: \(error)\n")
            throw ExitCode.failure
        }
    }

    /// `backup-simulator` from beside this executable (a build folder, or the package's
    /// `/usr/lib/backup-exporter`), else from `PATH`.
    static func startSimulator(writingInto directory: String) throws -> SimulatorProcess {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let candidates = [
            me.deletingLastPathComponent().appendingPathComponent("backup-simulator").path,
            "/usr/lib/backup-exporter/backup-simulator",
        ] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/backup-simulator" }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ValidationError("the demo needs backup-simulator beside backup-exporter or on PATH; from a checkout, run `make demo`")
        }
        return try SimulatorProcess(path: path, arguments: ["--port", "0", "--demo", directory],
                                    environment: ProcessInfo.processInfo.environment)
    }

    /// The inet URL from the `ready` file, or nil if the simulator exits or 30 s pass first.
    static func waitForReady(in directory: String, simulator: SimulatorProcess) async -> String? {
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: directory + "/ready", encoding: .utf8) {
                return text.trimmingWhitespace()
            }
            guard simulator.isRunning else { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
