import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends each entry to journald as structured fields through the native protocol
/// (`sd_journal_sendv`), so `journalctl -p warning`, `journalctl TARGET=m365-prod` and
/// `MESSAGE_ID=` catalogs work and multi-line messages stay one entry.
///
/// Fields: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, then
/// one upper-case field per metadata key (see ``fieldName(for:)``). The logger label is not sent.
///
/// When the entry cannot be delivered it goes to stderr as a logfmt line instead, so it is never
/// lost. libsystemd reports success when no journald socket exists (it drops the entry on
/// purpose), hence the explicit check for the socket before each send.
public struct JournaldLogHandler: LogHandler {
    /// Where journald listens for native-protocol datagrams; fixed by systemd, also inside a
    /// `LogNamespace=` service, where the namespace's directory is mounted over this one.
    static let journalSocketPath = "/run/systemd/journal/socket"

    /// Names the handler sets itself; metadata with the same name is sent as `META_<NAME>` so it
    /// cannot add a second `PRIORITY` or `MESSAGE` value to the entry.
    static let handlerFieldNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
    ]

    /// journald drops fields with longer names.
    static let maximumFieldNameLength = 64

    public let identifier: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let fallback: @Sendable (String) -> Void

    /// - Parameter identifier: `SYSLOG_IDENTIFIER`, what `journalctl -t` filters on.
    public init(
        identifier: String = "backup-exporter",
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.init(
            identifier: identifier,
            level: level,
            metadataProvider: metadataProvider,
            fallback: { StandardError.write(line: $0) }
        )
    }

    init(
        identifier: String,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider?,
        fallback: @escaping @Sendable (String) -> Void
    ) {
        self.identifier = identifier
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.fallback = fallback
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
            timestamp: .now()
        )
        if access(Self.journalSocketPath, F_OK) == 0, Self.send(Self.fields(for: record, identifier: identifier)) {
            return
        }
        fallback(StderrLogHandler.render(record, format: .logfmt))
    }

    /// The `KEY=value` strings of one entry, in a fixed order: the handler's fields, then the
    /// metadata sorted by field name. Values are sent as they are, line breaks included;
    /// `sd_journal_sendv` switches such a field to the length-prefixed binary form.
    static func fields(for record: LogRecord, identifier: String) -> [String] {
        var fields = [
            "MESSAGE=\(record.message)",
            "PRIORITY=\(priority(of: record.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(record.file)",
            "CODE_LINE=\(record.line)",
            "CODE_FUNC=\(record.function)",
        ]
        let metadataFields = record.metadata.map { key, value in (name: fieldName(for: key), value: value) }
            .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
        fields += metadataFields.map { "\($0.name)=\($0.value)" }
        return fields
    }

    /// syslog severities, which journald stores as `PRIORITY`. swift-log's trace has no syslog
    /// equivalent and shares debug's 7.
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A journald field name for a metadata key: `job_id` → `JOB_ID`, `http.status` → `HTTP_STATUS`.
    ///
    /// journald only accepts `[A-Z0-9_]`, at most 64 characters, not starting with a digit, and
    /// it reserves a leading `_` for fields it sets itself (a client cannot forge `_PID`). So other
    /// characters become `_`, leading underscores are stripped, and a name that would start with a
    /// digit, end up empty or clash with a handler field is prefixed with `META_`.
    static func fieldName(for key: String) -> String {
        var name = ""
        name.unicodeScalars.append(contentsOf: key.unicodeScalars.map { scalar in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": scalar
            case "a"..."z": Unicode.Scalar(scalar.value - 32) ?? "_"
            default: "_"
            }
        })
        name = String(name.drop { $0 == "_" })
        if name.isEmpty || name.first?.isNumber == true || handlerFieldNames.contains(name) {
            name = "META_" + name
        }
        return String(name.prefix(maximumFieldNameLength))
    }

    /// One datagram per entry. The strings are copied into one buffer so every `iovec` points at
    /// memory that stays valid for the whole call.
    static func send(_ fields: [String]) -> Bool {
        var bytes: [UInt8] = []
        var spans: [(offset: Int, count: Int)] = []
        for field in fields {
            spans.append((bytes.count, field.utf8.count))
            bytes.append(contentsOf: field.utf8)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else {
                return false
            }
            let vectors = spans.map { iovec(iov_base: base + $0.offset, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { vectors in
                sd_journal_sendv(vectors.baseAddress, Int32(clamping: vectors.count)) >= 0
            }
        }
    }
}
