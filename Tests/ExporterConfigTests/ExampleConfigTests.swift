import BackupModel
import ExporterConfig
import Foundation
import TestSupport
import Testing

/// `config/example.yaml` is what operators copy, so it must keep loading as the rules change.
struct ExampleConfigTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/example.yaml").path

    /// The example's text, with the files it names written into `folder` and the variables it
    /// reads: what loading it needs.
    static func inPlace(in folder: borrowing TemporaryDirectory) throws -> (example: String, environment: [String: String]) {
        try folder.write("private-ca.pem", "pem")
        try folder.write("secrets/unitrends-password", "ut-pass\n")
        try folder.write("credentials/m365", "m365-pass\n")
        let environment = [
            "CREDENTIALS_DIRECTORY": folder.path + "/credentials", "COMMVAULT_PASSWORD": "cv-pass",
            "INET_USER": "svc", "INET_PASSWORD": "inet-pass",
        ]
        return (try String(contentsOfFile: examplePath, encoding: .utf8), environment)
    }

    @Test("the shipped example config loads with its files and variables in place")
    func exampleLoads() throws {
        let folder = try TemporaryDirectory()
        let (example, environment) = try Self.inPlace(in: folder)
        let path = try folder.write("config.yaml", example)
        let config = try ConfigLoader.load(path: path, environment: environment)
        #expect(config.targets.map(\.name) == ["m365-prod", "commvault-dc1", "inet-backup", "eclypse-lab", "unitrends-branch"])
        #expect(config.targets.map(\.vendor) == [.veeamM365, .commvault, .inet, .eclypse, .unitrends])
        #expect(config.targets.map(\.auth.kindDescription) == ["basic user=monitor", "basic user=monitor", "basic user=svc", "basic user=admin", "basic user=monitor"])
        #expect(config.targets[3].auth.password?.reveal() == "changeme$1")
        #expect(config.targets[0].tls.caFile == folder.path + "/private-ca.pem")
        #expect(config.targets[0].maxResponseBytes == 64 * 1024 * 1024)
        #expect(config.targets[1].maxResponseBytes == 32 * 1024 * 1024)
        #expect(config.targets[1].options == .commvault(CommvaultOptions(format: .json)))
        #expect(config.targets[2].options == .inet(InetOptions(definitions: ["nightly-db", "weekly-full"])))
    }
}
