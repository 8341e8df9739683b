import Logging
import Testing

@testable import Systemd

@Suite("LogFormat")
struct LogFormatTests {
    @Test("the default is journald when systemd connected stderr to the journal")
    func defaultUnderSystemd() {
        #expect(LogFormat.default(environment: ["JOURNAL_STREAM": "8:12345", "PATH": "/usr/bin"]) == .journald)
    }

    @Test("the default is logfmt without JOURNAL_STREAM")
    func defaultElsewhere() {
        #expect(LogFormat.default(environment: ["PATH": "/usr/bin"]) == .logfmt)
        #expect(LogFormat.default(environment: [:]) == .logfmt)
    }

    @Test("the flag words parse to formats")
    func rawValues() {
        #expect(LogFormat.allCases.map(\.rawValue) == ["journald", "logfmt", "json"])
        #expect(LogFormat(rawValue: "json") == .json)
        #expect(LogFormat(rawValue: "text") == nil)
    }

    @Test("the factory builds the handler for each format with the requested level")
    func factory() throws {
        let journald = try #require(makeLogHandlerFactory(format: .journald, level: .debug)("a") as? JournaldLogHandler)
        #expect(journald.logLevel == .debug)
        #expect(journald.identifier == "backup-exporter")

        let logfmt = try #require(makeLogHandlerFactory(format: .logfmt, level: .warning)("a") as? StderrLogHandler)
        #expect(logfmt.format == .logfmt)
        #expect(logfmt.logLevel == .warning)

        let json = try #require(makeLogHandlerFactory(format: .json, level: .error)("a") as? StderrLogHandler)
        #expect(json.format == .json)
        #expect(json.logLevel == .error)
    }
}
