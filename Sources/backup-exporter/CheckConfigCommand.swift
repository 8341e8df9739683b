import Adapters
import ArgumentParser
import Daemon
import ExporterConfig
import Foundation

/// `check-config FILE`: the same validation start-up and reload use, with the targets printed.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a config file and print its targets.")

    @Argument(help: "The YAML config to check.")
    var file: String = "/etc/backup-exporter/config.yaml"

    func run() async throws {
        let client = VendorHTTPClient.make()
        let loader = ConfigurationLoader(path: file, environment: ProcessInfo.processInfo.environment)
        let result = Result { () throws(ConfigError) in try loader.check(client: client) }
        try? await client.shutdown()
        switch result {
        case .success(let configuration):
            print("\(file): OK, \(configuration.targets.count) targets")
            print(ConfigurationSummary.table(for: configuration), terminator: "")
        case .failure(let error):
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
