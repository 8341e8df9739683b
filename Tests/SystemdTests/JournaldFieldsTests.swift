import Logging
import Testing

@testable import Systemd

@Suite("JournaldLogHandler fields")
struct JournaldFieldsTests {
    private func record(
        level: Logger.Level = .info,
        message: String = "polled",
        metadata: [String: String] = [:]
    ) -> LogRecord {
        LogRecord(
            timestamp: LogTimestamp(secondsSinceEpoch: 1_795_514_400, nanoseconds: 0),
            level: level,
            message: message,
            metadata: metadata,
            file: "Daemon/Poller.swift",
            function: "poll(target:)",
            line: 42
        )
    }

    @Test(
        "swift-log levels map to syslog priorities",
        arguments: [
            (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
    )
    func priorities(level: Logger.Level, priority: Int) {
        #expect(JournaldLogHandler.priority(of: level) == priority)
        #expect(JournaldLogHandler.fields(for: record(level: level), identifier: "x")[1] == "PRIORITY=\(priority)")
    }

    @Test("an entry carries message, priority, identifier and source location in a fixed order")
    func handlerFields() {
        let fields = JournaldLogHandler.fields(for: record(level: .warning), identifier: "backup-exporter")
        #expect(fields == [
            "MESSAGE=polled",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=backup-exporter",
            "CODE_FILE=Daemon/Poller.swift",
            "CODE_LINE=42",
            "CODE_FUNC=poll(target:)",
        ])
    }

    @Test("metadata becomes upper-case fields sorted by name after the handler's fields")
    func metadataFields() {
        let fields = JournaldLogHandler.fields(
            for: record(metadata: ["target": "m365-prod", "job_id": "7", "message_id": "0b1c7a3e5d8f4e2a9c6b1d0e3f2a4b5c"]),
            identifier: "backup-exporter"
        )
        #expect(Array(fields.dropFirst(6)) == [
            "JOB_ID=7",
            "MESSAGE_ID=0b1c7a3e5d8f4e2a9c6b1d0e3f2a4b5c",
            "TARGET=m365-prod",
        ])
    }

    @Test(
        "metadata keys are sanitised into names journald accepts",
        arguments: [
            ("target", "TARGET"),
            ("job_id", "JOB_ID"),
            ("http.status-code", "HTTP_STATUS_CODE"),
            ("Grüße", "GR__E"),
            ("_PID", "PID"),
            ("__private", "PRIVATE"),
            ("2fa", "META_2FA"),
            ("_9lives", "META_9LIVES"),
            ("___", "META_"),
            ("", "META_"),
            ("message", "META_MESSAGE"),
            ("priority", "META_PRIORITY"),
            ("syslog_identifier", "META_SYSLOG_IDENTIFIER"),
            ("code_line", "META_CODE_LINE"),
            ("message_id", "MESSAGE_ID"),
        ]
    )
    func fieldNames(key: String, expected: String) {
        #expect(JournaldLogHandler.fieldName(for: key) == expected)
    }

    @Test("field names are cut to journald's 64-character limit")
    func longFieldName() {
        let name = JournaldLogHandler.fieldName(for: String(repeating: "a", count: 100))
        #expect(name == String(repeating: "A", count: 64))
    }

    @Test("multi-line message and metadata values are kept intact")
    func multiLineValues() {
        let fields = JournaldLogHandler.fields(
            for: record(message: "poll failed:\n  HTTP 503\n", metadata: ["body": "line 1\r\nline 2"]),
            identifier: "backup-exporter"
        )
        #expect(fields.first == "MESSAGE=poll failed:\n  HTTP 503\n")
        #expect(fields.last == "BODY=line 1\r\nline 2")
    }

    @Test("metadata from the logger, the provider and the entry merge with the entry winning, nested values flattened")
    func mergedMetadata() {
        let provider = Logger.MetadataProvider { ["request": "r-1", "target": "from-provider"] }
        let event = LogEvent(
            level: .error,
            message: "boom",
            error: PollError(),
            metadata: ["target": "from-entry", "jobs": .array(["a", "b"])],
            source: nil,
            file: "Daemon/Poller.swift",
            function: "poll(target:)",
            line: 9
        )
        let record = LogRecord(
            event: event,
            handlerMetadata: ["target": "from-logger", "vendor": "inet"],
            provider: provider,
            timestamp: LogTimestamp(secondsSinceEpoch: 0, nanoseconds: 0)
        )
        #expect(record.metadata == [
            "target": "from-entry",
            "vendor": "inet",
            "request": "r-1",
            "jobs": #"["a", "b"]"#,
            "error": "HTTP 503 from /api/jobs",
        ])
        #expect(Array(JournaldLogHandler.fields(for: record, identifier: "x").dropFirst(6)) == [
            "ERROR=HTTP 503 from /api/jobs",
            #"JOBS=["a", "b"]"#,
            "REQUEST=r-1",
            "TARGET=from-entry",
            "VENDOR=inet",
        ])
    }
}

private struct PollError: Error, CustomStringConvertible {
    var description: String { "HTTP 503 from /api/jobs" }
}
