import ArgumentParser
import Daemon
import FoundationEssentials
import Logging

/// The daemon itself: the default subcommand.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the exporter daemon (the default).")

    @Option(name: .customLong("config.file"), help: "The YAML config.")
    var configFile: String = "/etc/backup-exporter/config.yaml"

    @OptionGroup var flags: DaemonFlags

    @Flag(name: .customLong("web.systemd-socket"), help: "Serve the sockets systemd passes by socket activation (backup-exporter.socket) instead of --web.listen-address.")
    var systemdSocket = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        flags.bootstrapLogging(environment: environment)
        let logger = Logger(label: "backup-exporter")
        let options = DaemonOptions(
            configPath: configFile,
            listenAddress: ListenAddress(flags.listenAddress) ?? ListenAddress(host: "0.0.0.0", port: 9871),
            telemetryPath: flags.telemetryPath,
            storagePath: flags.storageDirectory(environment: environment),
            build: BuildVersion.buildInfo,
            webConfigPath: flags.webConfigFile,
            shard: flags.shard,
            systemdSocket: systemdSocket,
            connectionLimits: flags.connectionLimits)
        do {
            MallocTuning.apply()
            try await DaemonMain.run(options: options, environment: environment, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            StandardError.write("backup-exporter: \(error)\n")
            throw ExitCode.failure
        }
    }
}
