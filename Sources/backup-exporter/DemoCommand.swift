import ArgumentParser
import Daemon
import Foundation
import Logging
import Simulator

/// `demo`: the bundled vendor simulator and the daemon against it, on loopback, so a newcomer sees
/// real numbers move within seconds.
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

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-exporter-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let suite = try await SimulatorSuite.start()
        let tokenFile = directory.appendingPathComponent("inet.token").path
        try Data((SimulatorSuite.inetToken + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        let configPath = directory.appendingPathComponent("config.yaml").path
        try Data(suite.demoConfig(tokenFile: tokenFile).utf8).write(to: URL(fileURLWithPath: configPath))
        environment["DEMO_INET_PASSWORD"] = SimulatorSuite.inetPassword

        let base = "http://\(address)"
        print("""
            backup-exporter demo
              simulated i-net server  \(suite.inet.baseURL)
              config                  \(configPath)
              metrics                 \(base)/metrics
              status (JSON)           \(base)/status
              unitrends-appliance goes down (HTTP 503) for 20 s of every minute
              watch a job move:       watch -n2 "curl -s \(base)/metrics | grep -E '^backup_job_(progress_ratio|state\\\\{.*\\\\} 1)'"
            Ctrl-C stops.

            """)
        let options = DaemonOptions(
            configPath: configPath, listenAddress: address,
            storagePath: directory.appendingPathComponent("state").path, build: BuildVersion.buildInfo)
        // One appliance goes away for 20 s of every minute, so the demo shows a target going down
        // (reason http) and coming back, with its jobs keeping their last values meanwhile.
        let outages = Task {
            let unitrends = suite.unitrends.faults
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(40))
                unitrends.set(.status(503))
                try? await Task.sleep(for: .seconds(20))
                unitrends.set(nil)
            }
        }
        defer { outages.cancel() }
        do {
            MallocTuning.apply()
            try await DaemonMain.run(options: options, environment: environment, logger: logger)
        } catch {
            await suite.stop()
            FileHandle.standardError.write(Data("backup-exporter demo: \(error)\n".utf8))
            throw ExitCode.failure
        }
        await suite.stop()
    }
}
