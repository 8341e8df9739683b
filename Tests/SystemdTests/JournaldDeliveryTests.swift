import Logging
import TestSupport
import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// These tests depend on whether the process-wide journald socket path exists, so they run one
/// at a time, and none runs where a real journald listens (we must not replace its socket).
@Suite("JournaldLogHandler delivery", .serialized)
struct JournaldDeliveryTests {
    private static let socketPath = JournaldLogHandler.journalSocketPath
    private static let socketDirectory = "/run/systemd/journal"

    private func logger(recordingFallbackIn recorder: LineRecorder) -> Logger {
        let handler = JournaldLogHandler(
            identifier: "systemd-tests",
            level: .trace,
            metadataProvider: nil,
            fallback: { recorder.append($0) }
        )
        var logger = Logger(label: "tests") { _ in handler }
        logger[metadataKey: "target"] = "m365-prod"
        return logger
    }

    @Test("entries reach the journald socket in the native protocol, multi-line values length-prefixed")
    func nativeProtocolOnTheWire() throws {
        if access(Self.socketPath, F_OK) == 0 {
            try Test.cancel("\(Self.socketPath) exists (a journald runs here); not replacing it")
        }
        mkdir("/run/systemd", 0o755)
        let createdDirectory = mkdir(Self.socketDirectory, 0o755) == 0
        defer {
            if createdDirectory {
                rmdir(Self.socketDirectory)
            }
        }
        let journal: DatagramSocket
        do {
            journal = try DatagramSocket(bindingTo: Self.socketPath)
        } catch {
            try Test.cancel("cannot stand in for journald: \(error)")
        }
        defer { journal.closeAndUnlink() }
        let fallback = LineRecorder()

        logger(recordingFallbackIn: fallback).warning(
            "poll failed:\nHTTP 503",
            metadata: ["job_id": "42", "http.path": "/api/v1/jobs"],
            file: "Daemon/Poller.swift",
            function: "poll(target:)",
            line: 42
        )

        let datagram = try #require(journal.receiveQueued())
        #expect(try JournalWireParser.parse(datagram) == [
            JournalWireField("MESSAGE", "poll failed:\nHTTP 503", lengthPrefixed: true),
            JournalWireField("PRIORITY", "4"),
            JournalWireField("SYSLOG_IDENTIFIER", "systemd-tests"),
            JournalWireField("CODE_FILE", "Daemon/Poller.swift"),
            JournalWireField("CODE_LINE", "42"),
            JournalWireField("CODE_FUNC", "poll(target:)"),
            JournalWireField("HTTP_PATH", "/api/v1/jobs"),
            JournalWireField("JOB_ID", "42"),
            JournalWireField("TARGET", "m365-prod"),
        ])
        #expect(journal.receiveQueued() == nil)
        #expect(fallback.lines == [])
    }

    @Test("without a journald socket the entry is written to stderr as a logfmt line instead")
    func fallsBackToStderr() throws {
        if access(Self.socketPath, F_OK) == 0 {
            try Test.cancel("\(Self.socketPath) exists, so the entry would go to journald")
        }
        let fallback = LineRecorder()

        logger(recordingFallbackIn: fallback).error(
            "disk full",
            metadata: ["job_id": "42"],
            file: "StateStore/Store.swift",
            function: "flush()",
            line: 7
        )

        let line = try #require(fallback.lines.first)
        #expect(fallback.lines.count == 1)
        #expect(line.hasPrefix("ts="))
        #expect(line.drop { $0 != " " } == #" level=error msg="disk full" caller=Store.swift:7 job_id=42 target=m365-prod"#)
    }
}
