import Foundation
import Logging

/// Log lines the code under test wrote, read back by the test ("logged once", "no secret").
public final class CapturedLog: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]

        public init(level: Logger.Level, message: String, metadata: [String: String]) {
            self.level = level
            self.message = message
            self.metadata = metadata
        }
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    public init() {}

    public var entries: [Entry] { lock.withLock { stored } }

    /// A logger whose every line lands here.
    public var logger: Logger {
        Logger(label: "test") { _ in CapturedLogHandler(log: self) }
    }

    public func append(_ entry: Entry) { lock.withLock { stored.append(entry) } }

    public func messages(containing text: String) -> [Entry] { entries.filter { $0.message.contains(text) } }
}

public struct CapturedLogHandler: LogHandler {
    public let log: CapturedLog
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(log: CapturedLog) {
        self.log = log
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        log.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
