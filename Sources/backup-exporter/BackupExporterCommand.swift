import ArgumentParser

/// `backup-exporter`: the daemon by default, plus the operator's tools.
@main
struct BackupExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup-exporter",
        abstract: "Watches backup jobs on i-net, ECLYPSE, Veeam M365, Commvault and Unitrends systems and exports them to Prometheus, systemd and journald.",
        version: BuildVersion.version,
        subcommands: [RunCommand.self, CheckConfigCommand.self, PollOnceCommand.self, DemoCommand.self],
        defaultSubcommand: RunCommand.self)
}
