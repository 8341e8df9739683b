import ArgumentParser
import Foundation
import Simulator

/// `backup-simulator`: the simulated vendor servers on their own, for the systemd harness and for
/// poking at with curl. Prints one `vendor url` line per server, then serves until killed.
/// With `--scale N` it serves the benchmark's world instead (`bench/run.sh`): N jobs over
/// `--targets` servers, and writes the daemon config (and a JSON list for the Python baseline).
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup-simulator", abstract: "Serve simulated backup vendor APIs on loopback.")

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "First port; vendors take consecutive ports from it (0 picks free ports).")
    var port: Int = 0

    @Option(help: "Benchmark: serve this many jobs over --targets servers (the five vendors in turn) instead of the demo.")
    var scale: Int?

    @Option(help: "Benchmark: number of simulated targets, one server each.")
    var targets: Int = 50

    @Option(name: .customLong("write-config"), help: "Benchmark: write the daemon config for the scenario to this file.")
    var configPath: String?

    @Option(help: "Benchmark: how often the written daemon config polls every target (load test: 2s).")
    var interval: String = "10s"

    @Option(name: .customLong("write-targets"), help: "Benchmark: write the targets as JSON (for the Python baseline) to this file.")
    var targetsPath: String?

    @Option(help: "Demo: write the daemon's config for these servers into this folder (config.yaml, inet.token, environment, then ready), and take one appliance down for 20 s of every minute.")
    var demo: String?

    func run() async throws {
        if let scale {
            try await runScenario(jobs: scale)
            return
        }
        let suite = try await SimulatorSuite.start(host: host, basePort: port)
        if let demo {
            try writeDemo(suite, into: demo)
            // One appliance goes away for 20 s of every minute, so the demo shows a target going
            // down (reason http) and coming back, its jobs keeping their last values meanwhile.
            Task {
                let unitrends = suite.unitrends.faults
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(40))
                    unitrends.set(.status(503))
                    try? await Task.sleep(for: .seconds(20))
                    unitrends.set(nil)
                }
            }
        }
        var lines = suite.all.map { "\($0.vendor) \($0.baseURL)" }
        lines.append("credentials: inet token=\(SimulatorSuite.inetToken) user=\(SimulatorSuite.inetUser) password=\(SimulatorSuite.inetPassword)")
        lines.append("credentials: veeam_m365 user=\(SimulatorSuite.veeamUser) password=\(SimulatorSuite.veeamPassword)")
        lines.append("credentials: unitrends user=\(SimulatorSuite.unitrendsUser) password=\(SimulatorSuite.unitrendsPassword)")
        lines.append("credentials: commvault user=\(SimulatorSuite.commvaultUser) password=\(SimulatorSuite.commvaultPassword)")
        lines.append("credentials: eclypse user=\(SimulatorSuite.eclypseUser) password=\(SimulatorSuite.eclypsePassword)")
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        await suite.inet.server.waitUntilClosed()
    }

    /// The `ready` file is written last: `backup-exporter demo` waits for it, then reads the rest.
    private func writeDemo(_ suite: SimulatorSuite, into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenFile = directory + "/inet.token"
        try (SimulatorSuite.inetToken + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        // The daemon warns about a secret file other users can read, as it should.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
        try suite.demoConfig(tokenFile: tokenFile).write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        try "DEMO_INET_PASSWORD=\(SimulatorSuite.inetPassword)\n".write(toFile: directory + "/environment", atomically: true, encoding: .utf8)
        try "\(suite.inet.baseURL)\n".write(toFile: directory + "/ready", atomically: true, encoding: .utf8)
    }

    /// Files are written before the `ready` line, so a script that waits for it can read them.
    private func runScenario(jobs: Int) async throws {
        let scenario = try await BenchmarkScenario.start(jobs: jobs, targets: targets, host: host, basePort: port)
        if let configPath {
            try scenario.daemonConfig(interval: interval).write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        if let targetsPath {
            try scenario.targetsJSON().write(toFile: targetsPath, atomically: true, encoding: .utf8)
        }
        let line = "ready \(jobs) jobs over \(scenario.watchedTargets.count) targets\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        await scenario.targets[0].server.server.waitUntilClosed()
    }
}
