import Foundation
import TestSupport
import Testing

@testable import Adapters
import BackupModel

/// `JSONParser` replaced `JSONDecoder` for speed and promises to accept what the decoder accepted
/// and to build the same value. Foundation's decoder is the oracle: hand-picked edge cases, then
/// every golden vendor answer mutated (a new seed each run, printed; `FUZZ_ITERATIONS`, `FUZZ_SEED` to replay). The one difference
/// the fuzzer found is allowed below: a bad escape the decoder never looked at.
@Suite("JSON parser")
struct JSONParserTests {
    static func oracle(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    @Test("agrees with JSONDecoder on edge cases", arguments: [
        #"{"a":1,"b":[true,false,null],"c":"x"}"#, " \n\t[] ", "{}", "0", "-0", "-0.5e-3", "1E+2", "1e400", "-1e400",
        "01", "1.", ".5", "-", "+1", "1e", "0x10", "NaN", "Infinity", "tru", "nul", "[1,]", "{\"a\":1,}", "[1 2]",
        #""\u00e9\ud83d\ude00""#, #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\u12""#, #""\x""#, "\"a\u{01}b\"",
        #""\/\b\f\n\r\t\"\\""#, "\"é😀\"", "[1]x", "{\"a\" 1}", "{1:2}", "", " ", "[",
        String(repeating: "[", count: 511) + String(repeating: "]", count: 511),
        String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
        #"{"a":1,"a":2}"#, "[,]", "{,}", "[1,,]", "[1,]]", "123456789012345678901234567890", "1.7976931348623157e308", "5e-324",
    ])
    func edgeCases(text: String) {
        let bytes = Array(text.utf8)
        #expect(JSONParser.parse(bytes) == Self.oracle(bytes))
    }

    @Test("a failure names the first offending byte and what was expected there", arguments: [
        (#"{"size": 518 "files": 1}"#, 13, "',' or '}'"),
        (#"[1 2]"#, 3, "',' or ']'"),
        (#"{"a" 1}"#, 5, "':'"),
        (#"{a: 1}"#, 1, "a string key"),
        (#"{"a": tru}"#, 6, "a value"),
        (#"{"a": 01}"#, 7, "',' or '}'"),
        (#"{"a": -}"#, 7, "a digit"),
        (#"{"a": 1.}"#, 8, "a digit"),
        ("{\"a\": \"x\ty\"}", 8, "'\"' or an escaped control character"),
        (#"{"a": "\x"}"#, 8, "an escape"),
        (#"{"a": 1"#, 7, "',' or '}'"),
        (#"{"a": 1} x"#, 9, "end of document"),
        ("", 0, "a value"),
        (#"{"this is": not json <html>"#, 12, "a value"),
    ])
    func failures(text: String, offset: Int, expected: String) {
        #expect(JSONParser.parseOrExplain(Array(text.utf8)) == .failure(JSONParser.Invalid(offset: offset, expected: expected)))
    }

    @Test("a decode error names the call, the offset and what was expected, never the body")
    func decodeError() {
        let body = #"{"password": "hunter2" "x": 1}"#
        #expect(throws: PollError(.decode, "POST /api/backups: response is not valid JSON at byte 23: expected ',' or '}'")) {
            try JSONValue.parse(Array(body.utf8), context: "POST /api/backups")
        }
    }

    @Test("invalid UTF-8 inside a string is refused by both")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(JSONParser.parse(bytes) == nil)
        #expect(Self.oracle(bytes) == nil)
    }

    @Test("mutated vendor answers: accepted and rejected exactly as JSONDecoder does, with the same value", .timeLimit(.minutes(3)))
    func mutatedAnswers() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 3_000
        let corpus = try DecoderFuzzTests.corpus().filter { $0.0.hasSuffix(".json") }
        try #require(corpus.count >= 3)
        let seed = try FuzzSeed.resolve(for: "JSON parser against JSONDecoder")
        var mutator = Mutator(seed: seed)
        var disagreements: [String] = []
        var accepted = 0
        for iteration in 0..<iterations {
            let (name, original) = corpus[mutator.below(corpus.count)]
            let input = mutator.mutate(original, alphabet: Mutator.jsonAlphabet)
            let ours = JSONParser.parse(input)
            // The decoder unescapes strings only when asked for them, so a bad escape in the
            // ignored value of a duplicate key slips through it; the parser refuses that, as
            // JSONSerialization (which reads every string) does.
            let refusedByBothStrictParsers = ours == nil
                && (try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])) == nil
            if ours != Self.oracle(input), !refusedByBothStrictParsers {
                disagreements.append("iteration \(iteration) (\(name)): \(String(decoding: input.prefix(120), as: UTF8.self))")
            }
            if ours != nil { accepted += 1 }
        }
        #expect(disagreements == [], "replay: FUZZ_SEED=\(seed)")
        #expect(accepted > 0, "some mutated answers must still parse; replay: FUZZ_SEED=\(seed)")
    }
}
