@testable import Adapters
import BackupModel
import ExporterConfig
import Testing

/// i-net `options:` as the config loader decodes them for the registry: every complaint must name
/// the file, the line and the key path, and valid options must reach the adapter.
@Suite("Adapter registry")
struct AdapterRegistryTests {
    static let file = "/etc/backup-exporter/config.yaml"

    static func makeError(_ options: String) async throws -> ConfigError? {
        do {
            let target = TestTargets.target(url: "http://127.0.0.1:1", options: try TestTargets.options(options))
            _ = try await withHTTPClient { client in try TestTargets.adapter(target, client: client) }
            return nil
        } catch let error as ConfigError {
            return error
        }
    }

    @Test("an unknown inet option is rejected with its key path and a suggestion")
    func unknownKey() async throws {
        // Line 6 of the generated file holds the first option.
        let error = try await Self.makeError("definitons: [a]")
        #expect(error == ConfigError(file: Self.file, line: 6, key: "targets[0].options.definitons",
                                     message: "unknown key 'definitons' (did you mean 'definitions'?)"))
    }

    @Test("an unknown key after valid ones is reported on its own line")
    func unknownKeyLater() async throws {
        let error = try await Self.makeError("results_per_definition: 3\npage_size: 10")
        #expect(error == ConfigError(file: Self.file, line: 7, key: "targets[0].options.page_size", message: "unknown key 'page_size'"))
    }

    @Test("results_per_definition outside 1...100 is rejected", arguments: ["0", "101", "-3"])
    func resultsPerDefinitionOutOfRange(_ value: String) async throws {
        let error = try await Self.makeError("results_per_definition: \(value)")
        #expect(error == ConfigError(file: Self.file, line: 6, key: "targets[0].options.results_per_definition",
                                     message: "must be between 1 and 100"))
    }

    @Test("results_per_definition that is not an integer is rejected", arguments: ["five", "2.5", "[1]"])
    func resultsPerDefinitionNotInteger(_ value: String) async throws {
        let error = try await Self.makeError("results_per_definition: \(value)")
        #expect(error == ConfigError(file: Self.file, line: 6, key: "targets[0].options.results_per_definition",
                                     message: "expected an integer"))
    }

    @Test("definitions must be a non-empty list of strings")
    func definitionsShape() async throws {
        #expect(try await Self.makeError("definitions: d1") == ConfigError(
            file: Self.file, line: 6, key: "targets[0].options.definitions", message: "expected a list of strings"))
        #expect(try await Self.makeError("definitions: []") == ConfigError(
            file: Self.file, line: 6, key: "targets[0].options.definitions",
            message: "needs at least one definition id (leave it out to watch every listed definition)"))
        #expect(try await Self.makeError("definitions:\n  - d1\n  - {id: d2}") == ConfigError(
            file: Self.file, line: 8, key: "targets[0].options.definitions[1]", message: "expected a string"))
    }

    @Test("valid options reach the adapter")
    func validOptions() async throws {
        let target = TestTargets.target(
            url: "http://127.0.0.1:1", options: try TestTargets.options("definitions: [d1, d2]\nresults_per_definition: 100"))
        let adapter = try await withHTTPClient { client in try TestTargets.adapter(target, client: client) }
        let inet = try #require((adapter as? LoopBoundAdapter)?.adapter as? InetAdapter)
        #expect(inet.fixedDefinitions == ["d1", "d2"])
        #expect(inet.resultsPerDefinition == 100)
    }

    @Test("without options every definition is listed and five results are read")
    func defaults() async throws {
        let adapter = try await withHTTPClient { client in
            try TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:1"), client: client)
        }
        let inet = try #require((adapter as? LoopBoundAdapter)?.adapter as? InetAdapter)
        #expect(inet.fixedDefinitions == nil)
        #expect(inet.resultsPerDefinition == 5)
    }
}
