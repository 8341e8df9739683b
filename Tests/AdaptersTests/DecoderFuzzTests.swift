import BackupModel
import Foundation
import TestSupport
import Testing

@testable import Adapters

/// Mutation fuzzing of every vendor decoder: each captured response in `Golden/` (JSON and XML),
/// mutated, goes through the shared parsers and then every vendor's normalisation at every nesting
/// level. Nothing may crash or hang, and every rejection must be a `PollError` with a message.
/// JSON bodies are first held to Foundation as the oracle: `JSONValue.parse` (the daemon's one JSON
/// grammar, `JSONParser`) must accept exactly what `JSONDecoder` accepts, with the same value.
/// A new seed each run, printed, so a failure replays with `FUZZ_SEED=<seed>`; CI runs 3,000
/// iterations, `FUZZ_ITERATIONS=N` runs more, and
/// `FUZZ_DUMP=file` writes each input before decoding it, so a crash leaves its input behind (that
/// is how the FoundationXML trap on invalid UTF-8 in attribute names was pinned down).
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    @Test("mutated vendor answers are decoded or rejected with a PollError, never a crash", .timeLimit(.minutes(3)))
    func mutatedAnswers() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 3_000
        let corpus = try Self.corpus()
        try #require(corpus.count >= 5, "the golden responses are the corpus")
        let seed = try FuzzSeed.resolve(for: "decoder fuzzing")
        var mutator = Mutator(seed: seed)
        var bad: [String] = []
        var decoded = 0
        for iteration in 0..<iterations {
            let (name, original) = corpus[mutator.below(corpus.count)]
            let isXML = name.hasSuffix(".xml")
            let input = mutator.mutate(original, alphabet: isXML ? Mutator.xmlAlphabet : Mutator.jsonAlphabet)
            if let dump = ProcessInfo.processInfo.environment["FUZZ_DUMP"] { try Data(input).write(to: URL(fileURLWithPath: dump)) }
            let failures = isXML ? Self.decodeXML(input) : Self.decodeJSON(input)
            decoded += failures.decoded
            bad += failures.bad.map { "iteration \(iteration) (\(name)): \($0)" }
        }
        #expect(bad == [], "replay: FUZZ_SEED=\(seed)")
        #expect(decoded > 0, "some mutated inputs must still decode, or the fuzzer only exercises the first check; replay: FUZZ_SEED=\(seed)")
    }

    /// Every JSON and XML file under Golden/.
    static func corpus() throws -> [(String, [UInt8])] {
        let root = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { ["json", "xml"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
            .map { ($0.lastPathComponent, Array(try Data(contentsOf: $0))) }
    }

    struct Outcome { var decoded = 0; var bad: [String] = [] }

    static func decodeJSON(_ input: [UInt8]) -> Outcome {
        var outcome = Outcome()
        let parsed = Result { () throws(PollError) in try JSONValue.parse(input, context: "fuzz") }
        if let disagreement = disagreementWithFoundation(parsed, input) { outcome.bad.append(disagreement) }
        guard case .success(let value) = parsed else {
            if case .failure(let error) = parsed, error.message.isEmpty { outcome.bad.append("a JSON rejection without a message") }
            return outcome
        }
        for candidate in nested(value, depth: 3) {
            record(&outcome) { () throws(PollError) in _ = try InetResult(json: candidate, context: "fuzz") }
            record(&outcome) { () throws(PollError) in _ = try VeeamM365Session(json: candidate, context: "fuzz") }
            record(&outcome) { () throws(PollError) in _ = try UnitrendsBackup(json: candidate, zone: .utc, context: "fuzz") }
            _ = UnitrendsActiveJob(json: candidate)
            record(&outcome) { () throws(PollError) in _ = try CommvaultJobList(json: candidate, context: "fuzz") }
            record(&outcome) { () throws(PollError) in _ = try CommvaultJobSummary(summary: candidate, errorsAsFailed: false, context: "fuzz") }
            record(&outcome) { () throws(PollError) in _ = try EclypseJob(json: candidate, context: "fuzz") }
        }
        return outcome
    }

    /// Where the daemon's JSON grammar and Foundation's differ on `input`, the difference. The one
    /// allowed: the parser refuses a bad escape that `JSONDecoder` never unescapes (the ignored
    /// value of a duplicate key), which `JSONSerialization`, reading every string, refuses too.
    static func disagreementWithFoundation(_ parsed: Result<JSONValue, PollError>, _ input: [UInt8]) -> String? {
        let oracle = try? JSONDecoder().decode(JSONValue.self, from: Data(input))
        switch (parsed, oracle) {
        case (.success(let ours), .some(let theirs)):
            return ours == theirs ? nil : "JSONValue.parse and JSONDecoder built different values"
        case (.success, nil):
            return "JSONValue.parse accepted what JSONDecoder rejected"
        case (.failure, .some):
            let serialization = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
            return serialization == nil ? nil : "JSONValue.parse rejected what JSONDecoder and JSONSerialization accepted"
        case (.failure, nil):
            return nil
        }
    }

    static func decodeXML(_ input: [UInt8]) -> Outcome {
        var outcome = Outcome()
        guard case .success(let tree) = Result(catching: { () throws(PollError) in try XMLTree.parse(input, context: "fuzz") }) else {
            return outcome
        }
        record(&outcome) { () throws(PollError) in _ = try CommvaultJobList(xml: tree, context: "fuzz") }
        record(&outcome) { () throws(PollError) in _ = try EclypseJob(xml: tree, context: "fuzz") }
        return outcome
    }

    /// The value and its children down to `depth`: vendors nest the interesting object at
    /// different levels, and mutations move things around.
    static func nested(_ value: JSONValue, depth: Int) -> [JSONValue] {
        guard depth > 0 else { return [value] }
        let children: [JSONValue]
        switch value {
        case .array(let items): children = Array(items.prefix(8))
        case .object(let object): children = Array(object.values.prefix(8))
        default: children = []
        }
        return [value] + children.flatMap { nested($0, depth: depth - 1) }
    }

    static func record(_ outcome: inout Outcome, _ decode: () throws(PollError) -> Void) {
        do {
            try decode()
            outcome.decoded += 1
        } catch {
            if error.message.isEmpty { outcome.bad.append("a PollError without a message (\(error.reason))") }
        }
    }
}
