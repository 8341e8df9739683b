import Foundation
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
/// at a time. Where a real journald listens, the delivery test writes to it and reads the entry
/// back with `journalctl` (its socket is never replaced); where none does, the test binds a
/// socket of its own at journald's path and decodes the datagram itself.
@Suite("JournaldLogHandler delivery", .serialized)
struct JournaldDeliveryTests {
    private static let socketPath = JournaldLogHandler.journalSocketPath
    private static let socketDirectory = "/run/systemd/journal"

    private func logger(recordingFallbackIn recorder: LineRecorder, identifier: String = "systemd-tests") -> Logger {
        let handler = JournaldLogHandler(
            identifier: identifier,
            level: .trace,
            metadataProvider: nil,
            fallback: { recorder.append($0) }
        )
        var logger = Logger(label: "tests") { _ in handler }
        logger[metadataKey: "target"] = "m365-prod"
        return logger
    }

    /// The fields every delivery test sends, as journald must store them.
    private static func expectedFields(identifier: String) -> [JournalWireField] {
        [
            JournalWireField("MESSAGE", "poll failed:\nHTTP 503", lengthPrefixed: true),
            JournalWireField("PRIORITY", "4"),
            JournalWireField("SYSLOG_IDENTIFIER", identifier),
            JournalWireField("CODE_FILE", "Daemon/Poller.swift"),
            JournalWireField("CODE_LINE", "42"),
            JournalWireField("CODE_FUNC", "poll(target:)"),
            JournalWireField("HTTP_PATH", "/api/v1/jobs"),
            JournalWireField("JOB_ID", "42"),
            JournalWireField("TARGET", "m365-prod"),
        ]
    }

    private func sendTheEntry(_ logger: Logger) {
        logger.warning(
            "poll failed:\nHTTP 503",
            metadata: ["job_id": "42", "http.path": "/api/v1/jobs"],
            file: "Daemon/Poller.swift",
            function: "poll(target:)",
            line: 42
        )
    }

    @Test("entries reach the journald socket in the native protocol, multi-line values length-prefixed")
    func nativeProtocolOnTheWire() throws {
        if access(Self.socketPath, F_OK) == 0 {
            try deliveredToTheRunningJournald()
            return
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
            try Test.cancel("no journald here and cannot stand in for one at \(Self.socketPath): \(error)")
        }
        defer { journal.closeAndUnlink() }
        let fallback = LineRecorder()

        sendTheEntry(logger(recordingFallbackIn: fallback))

        let datagram = try #require(journal.receiveQueued())
        #expect(try JournalWireParser.parse(datagram) == Self.expectedFields(identifier: "systemd-tests"))
        #expect(journal.receiveQueued() == nil)
        #expect(fallback.lines == [])
    }

    /// A real journald listens: send to it under an identifier of this run only, then read the
    /// entry back in journalctl's export format (the same field encoding as the wire).
    private func deliveredToTheRunningJournald() throws {
        guard access(Self.socketPath, W_OK) == 0 else {
            try Test.cancel("\(Self.socketPath) exists but this user may not write to it")
        }
        let candidates = ["/usr/bin/journalctl", "/bin/journalctl"]
        guard let journalctl = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            try Test.cancel("a journald runs here but there is no journalctl to read the entry back")
        }
        let identifier = "systemd-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fallback = LineRecorder()
        sendTheEntry(logger(recordingFallbackIn: fallback, identifier: identifier))
        #expect(fallback.lines == [])

        // journald stores asynchronously: ask for up to 10 s.
        var entry: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        while entry.isEmpty, Date() < deadline {
            entry = try Self.run(journalctl, ["--output=export", "--no-pager", "--output-fields=" + Self.expectedFields(identifier: identifier).map(\.name).joined(separator: ","), "SYSLOG_IDENTIFIER=" + identifier])
            if entry.isEmpty { usleep(100_000) }
        }
        try #require(!entry.isEmpty, "journalctl found no entry with SYSLOG_IDENTIFIER=\(identifier)")
        // One entry, ended by an empty line. journald adds its trusted `_` fields and stores the
        // fields in an order of its own; how export encodes a value is its choice, not ours.
        #expect(entry.suffix(2) == [0x0A, 0x0A])
        let stored = try JournalWireParser.parse(Array(entry.dropLast())).filter { !$0.name.hasPrefix("_") }
        let pairs = { (fields: [JournalWireField]) in fields.map { "\($0.name)=\($0.value)" }.sorted() }
        #expect(pairs(stored) == pairs(Self.expectedFields(identifier: identifier)))
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
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
