/// Parses a JSON document (RFC 8259) straight into a `JSONValue`.
///
/// Hand-written rather than `JSONDecoder` + `Decodable`, which builds the same value by trying
/// Bool, Double, String and array in turn for every node and throwing for each miss: that cost a
/// third of the daemon's polling CPU. It accepts exactly what that decoder accepted: one value with optional
/// whitespace around it, numbers that fit a finite `Double`, strings of valid UTF-8 without raw
/// control characters, escapes with paired surrogates, at most 512 levels of nesting; like
/// Foundation's decoder it also takes a trailing comma in an array or object, and a key that
/// appears twice keeps its first value. `JSONParserTests` holds it to that with the decoder as oracle.
/// It is stricter in one corner: the decoder unescapes a string only when it is read, so it lets a
/// bad escape through in the ignored value of a duplicate key; here every string is checked.
///
/// A failure names the 0-based byte offset of the first byte that cannot continue a valid
/// document and what the grammar expected there ("at byte 312: expected ',' or '}'"), so an
/// operator can compare it with a capture of the appliance's answer. Foundation's decoder on
/// Linux gives no position, and `JSONSerialization` counts characters, not bytes. The body itself
/// is never echoed: it may contain anything, credentials included.
struct JSONParser {
    struct Invalid: Error, Equatable {
        /// 0-based offset of the first offending byte (the body's length when it ended early).
        var offset: Int
        /// What the grammar expected there, e.g. "',' or '}'".
        var expected: String
    }

    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Nil when `bytes` is not exactly one valid JSON document.
    static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? parseOrExplain(bytes).get()
    }

    /// The document, or where and why it stops being JSON.
    static func parseOrExplain(_ bytes: some Collection<UInt8>) -> Result<JSONValue, Invalid> {
        let parsed = bytes.withContiguousStorageIfAvailable { parse(buffer: $0) }
        return parsed ?? Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, Invalid> {
        var parser = JSONParser(bytes: buffer)
        do {
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { return .failure(parser.invalid("end of document")) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private func invalid(_ expected: String, at offset: Int? = nil) -> Invalid {
        Invalid(offset: offset ?? index, expected: expected)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ expected: String) throws(Invalid) {
        guard current == byte else { throw invalid(expected) }
        index += 1
    }

    private mutating func value(depth: Int) throws(Invalid) -> JSONValue {
        guard depth < Self.maxDepth else { throw invalid("at most \(Self.maxDepth) levels of nesting") }
        guard let byte = current else { throw invalid("a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw invalid("a value")
        }
    }

    private mutating func object(depth: Int) throws(Invalid) -> JSONValue {
        index += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw invalid("a string key") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let member = try value(depth: depth + 1)
            if object[key] == nil {
                object[key] = member
            }
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            try expect(UInt8(ascii: ","), "',' or '}'")
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
        }
    }

    private mutating func array(depth: Int) throws(Invalid) -> JSONValue {
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            array.append(try value(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            try expect(UInt8(ascii: ","), "',' or ']'")
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
        }
    }

    /// The common case, no escape, is one validating copy of the bytes between the quotes.
    private mutating func string() throws(Invalid) -> String {
        index += 1
        let start = index
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw invalid(Self.closingQuote) }
            index += 1
        }
        guard let stop = current else { throw invalid(Self.closingQuote) }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        if stop == UInt8(ascii: "\"") {
            index += 1
            return try validated(utf8, from: start)
        }
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try validated(utf8, from: start)
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                throw invalid(Self.closingQuote, at: index - 1)
            default:
                utf8.append(byte)
            }
        }
        throw invalid(Self.closingQuote)
    }

    private static let closingQuote = "'\"' or an escaped control character"

    /// `start` is the string's first byte, where an invalid UTF-8 sequence is reported.
    private func validated(_ utf8: [UInt8], from start: Int) throws(Invalid) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw invalid("valid UTF-8", at: start) }
        return text
    }

    /// After a backslash: appends the escaped character's UTF-8.
    private mutating func escape(into utf8: inout [UInt8]) throws(Invalid) {
        guard let byte = current else { throw invalid("an escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                try expect(UInt8(ascii: "\\"), "a low surrogate escape")
                try expect(UInt8(ascii: "u"), "a low surrogate escape")
                let low = UInt32(try hex4())
                guard (0xDC00..<0xE000).contains(low) else { throw invalid("a low surrogate escape", at: index - 6) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw invalid("a high surrogate before a low one", at: index - 6) }
            UTF8.encode(unicode) { utf8.append($0) }
        default:
            throw invalid("an escape", at: index - 1)
        }
    }

    private mutating func hex4() throws(Invalid) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw invalid("a hex digit") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw invalid("a hex digit")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    private mutating func literal(_ word: StaticString) throws(Invalid) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw invalid("a value") }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw invalid("a value") }
        index += count
    }

    private mutating func number() throws(Invalid) -> Double {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw invalid("a digit") }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            digits()
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let byte = current, Self.isDigit(byte) else { throw invalid("a digit") }
            digits()
        }
        if let byte = current, byte | 0x20 == UInt8(ascii: "e") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, Self.isDigit(byte) else { throw invalid("a digit") }
            digits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else { throw invalid("a finite number", at: start) }
        return number
    }

    private mutating func digits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
