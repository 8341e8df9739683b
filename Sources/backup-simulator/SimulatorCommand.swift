import ArgumentParser
import Foundation
import Simulator

/// `backup-simulator`: the simulated vendor servers on their own, for the systemd harness and for
/// poking at with curl. Prints one `vendor url` line per server, then serves until killed.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup-simulator", abstract: "Serve simulated backup vendor APIs on loopback.")

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "First port; vendors take consecutive ports from it (0 picks free ports).")
    var port: Int = 0

    func run() async throws {
        let suite = try await SimulatorSuite.start(host: host, basePort: port)
        var lines = suite.all.map { "\($0.vendor) \($0.baseURL)" }
        lines.append("credentials: inet token=\(SimulatorSuite.inetToken) user=\(SimulatorSuite.inetUser) password=\(SimulatorSuite.inetPassword)")
        lines.append("credentials: veeam_m365 user=\(SimulatorSuite.veeamUser) password=\(SimulatorSuite.veeamPassword)")
        lines.append("credentials: unitrends user=\(SimulatorSuite.unitrendsUser) password=\(SimulatorSuite.unitrendsPassword)")
        lines.append("credentials: commvault user=\(SimulatorSuite.commvaultUser) password=\(SimulatorSuite.commvaultPassword)")
        lines.append("credentials: eclypse user=\(SimulatorSuite.eclypseUser) password=\(SimulatorSuite.eclypsePassword)")
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        await suite.inet.server.waitUntilClosed()
    }
}
