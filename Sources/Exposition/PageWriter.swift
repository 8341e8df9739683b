/// Appends one exposition page to a byte buffer.
///
/// It exists so that rendering 10,000 jobs costs appends into one pre-reserved buffer and nothing
/// else: no Foundation formatting, no intermediate strings per sample. Label sets are encoded
/// once per target or job with `encodeLabels` and reused for every family.
struct PageWriter {
    private(set) var bytes: [UInt8] = []
    let format: ExpositionFormat

    init(format: ExpositionFormat, reservingCapacity capacity: Int) {
        self.format = format
        bytes.reserveCapacity(capacity)
    }

    /// Writes `# HELP` and `# TYPE`. Called for every family, with or without samples, so that
    /// a family never silently vanishes from the page.
    mutating func header(_ family: MetricFamily) {
        let name = family.headerName(for: format)
        append("# HELP ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        appendEscapedHelp(family.help)
        append("\n# TYPE ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        append(family.kind.rawValue)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `labels` and `extra` are label sets from `encodeLabels` (either may be empty).
    mutating func sample(_ family: MetricFamily, labels: [UInt8], extra: [UInt8] = [], value: Double) {
        samplePrefix(family, labels: labels, extra: extra)
        appendValue(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Counts are written as integers directly: exact, and cheaper than going through `Double`.
    mutating func sample(_ family: MetricFamily, labels: [UInt8], extra: [UInt8] = [], count: UInt64) {
        samplePrefix(family, labels: labels, extra: extra)
        appendDecimal(count)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Ends the page: OpenMetrics requires `# EOF` as the last line.
    mutating func finish() -> [UInt8] {
        if format == .openMetrics { append("# EOF\n") }
        return bytes
    }

    /// `name="value",...` without braces, values escaped as both formats require.
    static func encodeLabels(_ pairs: KeyValuePairs<String, String>) -> [UInt8] {
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: pair.key.utf8)
            out.append(contentsOf: "=\"".utf8)
            appendEscapedLabelValue(pair.value, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        return out
    }

    /// Label values escape `\`, `"` and newline in both the text format and OpenMetrics; any other
    /// byte, including other control characters and non-ASCII UTF-8, is written as it is.
    static func appendEscapedLabelValue(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: out.append(byte)
            }
        }
    }

    // MARK: - Private

    private mutating func samplePrefix(_ family: MetricFamily, labels: [UInt8], extra: [UInt8]) {
        append(family.name)
        if !labels.isEmpty || !extra.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            if !labels.isEmpty && !extra.isEmpty { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: extra)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// HELP escapes `\` and newline; OpenMetrics additionally escapes `"`, which the text format
    /// would print literally as `\"`, so it is escaped only there.
    private mutating func appendEscapedHelp(_ help: String) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\"") where format == .openMetrics: append("\\\"")
            default: bytes.append(byte)
            }
        }
    }

    /// Shortest text that parses back to exactly `value` in Go's `strconv.ParseFloat` (which both
    /// Prometheus and promtool use) and in Swift's `Double(String)`.
    ///
    /// Whole numbers below 2^53 are written as plain integers ("1", "1700000000") because every one
    /// of them is exact; everything else uses Swift's shortest round-trip `description` (stdlib,
    /// not Foundation), whose exponent form ("1e-05", "1e+16") Go parses too. Only the non-finite
    /// values are spelled differently by Swift ("inf", "nan") and by the formats ("+Inf", "NaN").
    private mutating func appendValue(_ value: Double) {
        if value.isNaN {
            append("NaN")
        } else if value.isInfinite {
            append(value < 0 ? "-Inf" : "+Inf")
        } else if value.magnitude < 0x1p53, value == value.rounded(.towardZero) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            appendDecimal(UInt64(value.magnitude))
        } else {
            append(value.description)
        }
    }

    private mutating func appendDecimal(_ value: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor &*= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
