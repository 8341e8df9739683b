import ArgumentParser
import Daemon
import ExporterConfig
import FoundationEssentials

/// `check-config FILE [--web.config.file WEB]`: the same validation start-up and reload use, with
/// the targets printed. The web config is checked the same way too (certificates and keys loaded,
/// hashes recognised), because a broken one stops the daemon from starting just the same.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a config file (and a web config file) and print its targets.")

    @Argument(help: "The YAML config to check.")
    var file: String = "/etc/backup-exporter/config.yaml"

    @Option(name: .customLong("web.config.file"), help: "Also check this exporter-toolkit web config, as `run` would load it.")
    var webConfigFile: String?

    func run() async throws {
        let loader = ConfigurationLoader(path: file, environment: ProcessInfo.processInfo.environment)
        let result = Result { () throws(ConfigError) in
            (try loader.check(), try WebConfiguration.load(path: webConfigFile))
        }
        switch result {
        case .success(let (configuration, web)):
            print("\(file): OK, \(configuration.targets.count) targets")
            if let path = web.path {
                print("\(path): OK, " + web.summary)
                // What start-up would log; they never stop a load.
                for warning in web.warnings { print("warning: \(warning.description)") }
            }
            print(ConfigurationSummary.table(for: configuration), terminator: "")
        case .failure(let error):
            StandardError.write("\(error.description)\n")
            throw ExitCode.failure
        }
    }
}
