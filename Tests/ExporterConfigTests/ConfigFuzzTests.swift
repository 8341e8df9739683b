import BackupModel
import ExporterConfig
import Foundation
import TestSupport
import Testing

/// Mutation fuzzing of the config parser: the shipped example, with bytes flipped, inserted,
/// deleted and lines shuffled, never crashes or hangs the loader, and every rejection is a
/// `ConfigError` naming the file with a message. Seeded, so a failure replays; CI runs 2,000
/// iterations, `FUZZ_ITERATIONS=N` runs more.
@Suite("Config fuzzing")
struct ConfigFuzzTests {
    @Test("mutated configs load or are rejected with file and message, never crash", .timeLimit(.minutes(3)))
    func mutatedConfigs() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 2_000
        let folder = try TemporaryDirectory()
        let (example, environment) = try ExampleConfigTests.inPlace(in: folder)
        let path = folder.path + "/config.yaml"
        let seed = try FuzzSeed.resolve(for: "config parser fuzzing")
        var mutator = Mutator(seed: seed)
        var accepted = 0
        var bad: [String] = []
        for iteration in 0..<iterations {
            let input = String(decoding: mutator.mutate(Array(example.utf8), alphabet: Mutator.yamlAlphabet), as: UTF8.self)
            do {
                _ = try ConfigLoader.parse(yaml: input, path: path, environment: environment)
                accepted += 1
            } catch {
                if error.file != path || error.message.isEmpty || !error.description.hasPrefix(path) {
                    bad.append("iteration \(iteration): \(error.description)")
                }
            }
        }
        #expect(bad == [], "replay: FUZZ_SEED=\(seed)")
        // A fuzzer that only ever hits the first syntax check tests little: some inputs must pass.
        #expect(accepted > 0, "replay: FUZZ_SEED=\(seed)")
    }
}
