import ExporterConfig
import Testing

struct DurationParserTests {
    @Test("parses Go-style durations to seconds", arguments: [
        ("0", 0.0), ("0s", 0), ("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400),
        ("1.5s", 1.5), ("2m30s", 150), (".5s", 0.5), ("250us", 0.00025), ("100ns", 1e-7), ("1h0m1s", 3601),
    ])
    func parses(text: String, seconds: Double) {
        #expect(DurationParser.seconds(text) == seconds)
    }

    @Test("rejects bare numbers, negatives, unknown units and junk", arguments: [
        "", "60", "-1s", "+1s", "1d", "1w", "5x", "s", "1.2.3s", "1 s", " 1s", "1S", "1h-5m", "ms",
    ])
    func rejects(text: String) {
        #expect(DurationParser.seconds(text) == nil)
    }

    @Test("formats seconds as the shortest Go-style spelling", arguments: [
        (0.0, "0s"), (0.5, "500ms"), (30, "30s"), (60, "1m"), (90, "1m30s"), (3600, "1h"), (5400, "1h30m"),
        (3601, "1h1s"), (1.5, "1.5s"),
    ])
    func formats(seconds: Double, text: String) {
        #expect(DurationParser.format(seconds) == text)
    }
}
