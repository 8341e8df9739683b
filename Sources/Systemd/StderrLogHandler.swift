import Logging

/// Writes one line per entry for a terminal, a container runtime or a log shipper: logfmt as the
/// Prometheus exporters write it, or one JSON object per line.
///
/// Both formats carry the same keys in the same order: `ts`, `level`, `msg`, `caller`, then the
/// metadata sorted by key. A metadata key that is one of those four is written as `meta_<key>`
/// rather than twice, because a repeated key in a JSON object is silently dropped by most parsers.
public struct StderrLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case logfmt
        case json
    }

    public let format: Format
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let clock: @Sendable () -> LogTimestamp
    private let write: @Sendable (String) -> Void

    /// - Parameter write: receives each complete line without its trailing newline; the default
    ///   appends the newline and writes to stderr in one call.
    public init(
        format: Format,
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = { StderrLogHandler.writeToStandardError($0) }
    ) {
        self.init(
            format: format,
            level: level,
            metadataProvider: metadataProvider,
            clock: { LogTimestamp.now() },
            write: write
        )
    }

    init(
        format: Format,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider?,
        clock: @escaping @Sendable () -> LogTimestamp,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.format = format
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.clock = clock
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let record = LogRecord(
            event: event,
            handlerMetadata: metadata,
            provider: metadataProvider,
            timestamp: clock()
        )
        write(Self.render(record, format: format))
    }

    /// The default writer: `line` plus a newline, straight to file descriptor 2.
    public static func writeToStandardError(_ line: String) {
        StandardError.write(line: line)
    }

    static let leadingKeys: Set<String> = ["ts", "level", "msg", "caller"]

    static func render(_ record: LogRecord, format: Format) -> String {
        let pairs = orderedPairs(record)
        switch format {
        case .logfmt:
            return pairs.map { "\(logfmtKey($0.key))=\(logfmtValue($0.value))" }.joined(separator: " ")
        case .json:
            return "{" + pairs.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func orderedPairs(_ record: LogRecord) -> [(key: String, value: String)] {
        let leading: [(key: String, value: String)] = [
            ("ts", record.timestamp.rfc3339),
            ("level", record.level.rawValue),
            ("msg", record.message),
            ("caller", "\(record.callerFileName):\(record.line)"),
        ]
        let renamed = record.metadata.map { key, value in
            (key: leadingKeys.contains(key) ? "meta_\(key)" : key, value: value)
        }
        return leading + renamed.sorted { $0.key < $1.key }
    }

    /// A logfmt key cannot hold a space, `=`, `"` or a control character: a parser would split
    /// the pair there, so those become `_`.
    static func logfmtKey(_ key: String) -> String {
        guard !key.isEmpty else {
            return "_"
        }
        var result = ""
        result.unicodeScalars.append(contentsOf: key.unicodeScalars.map { scalar in
            isLogfmtSeparator(scalar) ? "_" : scalar
        })
        return result
    }

    /// Quoted when empty or when it holds anything a logfmt parser would read as the end of the
    /// value or as an escape: whitespace, control characters, `=`, `"` or `\`. Bare otherwise,
    /// so `level=info target=m365-prod` stays readable.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { isLogfmtSeparator($0) || $0 == "\\" }
        guard needsQuotes else {
            return value
        }
        return jsonString(value)
    }

    /// A JSON string literal that is valid for any input: Swift strings are always valid Unicode,
    /// so only the quote, the backslash and the control characters need escaping. A quoted
    /// logfmt value is the same literal (go-logfmt unquotes as encoding/json does). Control
    /// characters other than `\n`, `\r` and `\t`, and DEL, become `\u00XX`, so no terminal acts
    /// on them.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += unicodeEscape(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func isLogfmtSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "=" || scalar == "\""
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
