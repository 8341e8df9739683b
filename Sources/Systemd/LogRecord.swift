import Logging

/// One log entry with its metadata merged and flattened, so every back end renders the same facts.
///
/// Metadata merges the way swift-log's `StreamLogHandler` does: the logger's metadata, then the
/// metadata provider's, then the entry's own; a later source wins on the same key. Nested values
/// (arrays, dictionaries) become their `description`, which is all journald and logfmt can hold.
struct LogRecord: Sendable, Equatable {
    var timestamp: LogTimestamp
    var level: Logger.Level
    var message: String
    /// Keys exactly as the caller wrote them; each back end sanitises them its own way.
    var metadata: [String: String]
    /// `#fileID` as swift-log passes it, e.g. `Daemon/Poller.swift`.
    var file: String
    var function: String
    var line: UInt

    init(
        timestamp: LogTimestamp,
        level: Logger.Level,
        message: String,
        metadata: [String: String] = [:],
        file: String,
        function: String,
        line: UInt
    ) {
        self.timestamp = timestamp
        self.level = level
        self.message = message
        self.metadata = metadata
        self.file = file
        self.function = function
        self.line = line
    }

    init(
        event: LogEvent,
        handlerMetadata: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        timestamp: LogTimestamp
    ) {
        var merged = handlerMetadata
        if let provided = provider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        var flattened = merged.mapValues(\.description)
        if let error = event.error {
            flattened["error"] = String(describing: error)
        }
        self.init(
            timestamp: timestamp,
            level: event.level,
            message: event.message.description,
            metadata: flattened,
            file: event.file,
            function: event.function,
            line: event.line
        )
    }

    /// The file name without its module folder, as Go exporters print `caller=main.go:42`.
    var callerFileName: String {
        file.split(separator: "/").last.map(String.init) ?? file
    }
}
