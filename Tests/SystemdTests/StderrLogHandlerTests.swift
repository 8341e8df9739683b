import Foundation
import Logging
import Testing

@testable import Systemd

@Suite("StderrLogHandler")
struct StderrLogHandlerTests {
    /// 2026-11-24T10:00:00.123Z
    private static let fixedTime = LogTimestamp(secondsSinceEpoch: 1_795_514_400, nanoseconds: 123_456_789)

    private func logger(_ format: StderrLogHandler.Format, level: Logger.Level = .info, into recorder: LineRecorder) -> Logger {
        let handler = StderrLogHandler(
            format: format,
            level: level,
            metadataProvider: nil,
            clock: { Self.fixedTime },
            write: { recorder.append($0) }
        )
        return Logger(label: "tests") { _ in handler }
    }

    private func render(_ format: StderrLogHandler.Format, message: String, metadata: [String: String] = [:]) -> String {
        StderrLogHandler.render(
            LogRecord(
                timestamp: Self.fixedTime,
                level: .info,
                message: message,
                metadata: metadata,
                file: "Daemon/Poller.swift",
                function: "poll(target:)",
                line: 42
            ),
            format: format
        )
    }

    @Test("a logfmt line starts with ts, level, msg and caller, then metadata sorted by key")
    func logfmtLine() {
        let recorder = LineRecorder()
        var logger = logger(.logfmt, into: recorder)
        logger[metadataKey: "target"] = "m365-prod"
        logger.warning(
            "job failed",
            metadata: ["job_id": "7", "attempt": "2"],
            file: "Daemon/Poller.swift",
            function: "poll(target:)",
            line: 123
        )
        #expect(recorder.lines == [
            #"ts=2026-11-24T10:00:00.123Z level=warning msg="job failed" caller=Poller.swift:123 attempt=2 job_id=7 target=m365-prod"#
        ])
    }

    @Test("entries below the handler's level are not written")
    func levelFilter() {
        let recorder = LineRecorder()
        let logger = logger(.logfmt, level: .warning, into: recorder)
        logger.info("quiet")
        logger.error("loud", file: "Daemon/Poller.swift", line: 1)
        #expect(recorder.lines == ["ts=2026-11-24T10:00:00.123Z level=error msg=loud caller=Poller.swift:1"])
    }

    @Test(
        "logfmt values are quoted only when needed and escape quotes, backslashes and line breaks",
        arguments: [
            ("plain", "plain"),
            ("m365-prod/job:7", "m365-prod/job:7"),
            ("", #""""#),
            ("two words", #""two words""#),
            ("a=b", #""a=b""#),
            (#"say "hi""#, #""say \"hi\"""#),
            (#"C:\backup"#, #""C:\\backup""#),
            ("line one\nline two", #""line one\nline two""#),
            ("cr\rtab\t", #""cr\rtab\t""#),
            ("bell\u{7}del\u{7F}", #""bell\u0007del\u007f""#),
            ("Grüße ✓", #""Grüße ✓""#),
        ]
    )
    func logfmtValues(value: String, expected: String) {
        #expect(StderrLogHandler.logfmtValue(value) == expected)
        #expect(render(.logfmt, message: "m", metadata: ["v": value]).hasSuffix(" v=\(expected)"))
    }

    @Test("logfmt keys lose the characters a parser would split on")
    func logfmtKeys() {
        #expect(StderrLogHandler.logfmtKey("job id") == "job_id")
        #expect(StderrLogHandler.logfmtKey(#"a="b""#) == "a__b_")
        #expect(StderrLogHandler.logfmtKey("http.path") == "http.path")
        #expect(StderrLogHandler.logfmtKey("") == "_")
    }

    @Test("metadata named like a leading key is prefixed instead of repeating the key")
    func reservedKeys() {
        let line = render(.logfmt, message: "m", metadata: ["msg": "x", "level": "y", "ts": "z", "caller": "w"])
        #expect(line == "ts=2026-11-24T10:00:00.123Z level=info msg=m caller=Poller.swift:42 meta_caller=w meta_level=y meta_msg=x meta_ts=z")
    }

    @Test("a json line holds the same keys in the same order")
    func jsonLine() {
        let recorder = LineRecorder()
        var logger = logger(.json, into: recorder)
        logger[metadataKey: "target"] = "m365-prod"
        logger.info("polled", metadata: ["jobs": "3"], file: "Daemon/Poller.swift", function: "poll(target:)", line: 5)
        #expect(recorder.lines == [
            #"{"ts":"2026-11-24T10:00:00.123Z","level":"info","msg":"polled","caller":"Poller.swift:5","jobs":"3","target":"m365-prod"}"#
        ])
    }

    @Test("json lines parse with JSONSerialization and round-trip awkward values exactly")
    func jsonIsValidForAnyInput() throws {
        let awkward = "quote \" backslash \\ newline \n cr \r tab \t nul \0 bell \u{7} esc \u{1B} del \u{7F} ü ✓ 🦄 \u{2028}"
        let line = render(.json, message: awkward, metadata: [awkward: awkward, "empty": ""])
        #expect(!line.contains("\n"))
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let object = try #require(parsed as? [String: String])
        #expect(object == [
            "ts": "2026-11-24T10:00:00.123Z",
            "level": "info",
            "msg": awkward,
            "caller": "Poller.swift:42",
            awkward: awkward,
            "empty": "",
        ])
    }

    @Test("json escapes quote, backslash, \\n, \\r and \\t by their short forms, other control characters and DEL as \\u")
    func jsonEscapes() {
        #expect(StderrLogHandler.jsonString("a\"b\\c\nd\re\tf\u{8}g\u{C}h\u{1}i\u{7F}") == #""a\"b\\c\nd\re\tf\u0008g\u000ch\u0001i\u007f""#)
    }

    @Test(
        "timestamps render as RFC 3339 UTC with truncated milliseconds",
        arguments: [
            (0, 0, "1970-01-01T00:00:00.000Z"),
            (1_795_514_400, 123_999_999, "2026-11-24T10:00:00.123Z"),
            (1_709_164_799, 999_000_000, "2024-02-28T23:59:59.999Z"),
            (1_709_164_800, 1_000_000, "2024-02-29T00:00:00.001Z"),
            (951_868_800, 0, "2000-03-01T00:00:00.000Z"),
            (-1, 500_000_000, "1969-12-31T23:59:59.500Z"),
            (253_402_300_799, 0, "9999-12-31T23:59:59.000Z"),
        ]
    )
    func timestamps(seconds: Int, nanoseconds: Int, expected: String) {
        #expect(LogTimestamp(secondsSinceEpoch: seconds, nanoseconds: nanoseconds).rfc3339 == expected)
    }

    @Test("the wall clock is what LogTimestamp.now reads")
    func nowMatchesSystemClock() {
        let before = Int(Date().timeIntervalSince1970)
        let now = LogTimestamp.now()
        let after = Int(Date().timeIntervalSince1970)
        #expect(before <= now.secondsSinceEpoch && now.secondsSinceEpoch <= after)
        #expect((0..<1_000_000_000).contains(now.nanoseconds))
    }
}
