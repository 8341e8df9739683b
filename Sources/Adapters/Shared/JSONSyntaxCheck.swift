import BackupModel

/// Finds where a body stops being JSON, so a `decode` error can say "at byte 312, expected ','"
/// and an operator can compare that with a capture of the appliance's answer.
///
/// Foundation's `JSONDecoder` on Linux reports only "The given data was not valid JSON", with no
/// position, and its `JSONSerialization` counts characters, not bytes. This scanner follows the
/// grammar of RFC 8259 and reports the byte offset (0-based) of the first byte that cannot
/// continue a valid document, plus what the grammar expected there. It never echoes the body:
/// bodies may contain anything, credentials included.
public enum JSONSyntaxCheck {
    public struct Failure: Error, Sendable, Equatable {
        /// 0-based offset of the first offending byte (the body's length when it ended early).
        public var offset: Int
        /// What the grammar expected there, e.g. "',' or '}'".
        public var expected: String
    }

    /// Nil when `bytes` is one syntactically valid JSON document.
    public static func firstError(in bytes: some Collection<UInt8>) -> Failure? {
        var scanner = Scanner(bytes: Array(bytes))
        do {
            scanner.skipWhitespace()
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            guard scanner.atEnd else { return Failure(offset: scanner.index, expected: "end of document") }
            return nil
        } catch {
            return error
        }
    }

    /// Parses `bytes` as JSON; a failure is a `decode` error naming `context` and, where the
    /// scanner finds one, the byte offset.
    public static func parse(_ bytes: some Collection<UInt8>, context: String) throws(PollError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes, context: context)
        } catch {
            guard let failure = firstError(in: bytes) else { throw error }
            throw PollError(.decode, "\(context): response is not valid JSON at byte \(failure.offset) (expected \(failure.expected))")
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        static let maxDepth = 512

        var atEnd: Bool { index >= bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        func fail(_ expected: String) -> Failure { Failure(offset: index, expected: expected) }

        mutating func expect(_ byte: UInt8, _ description: String) throws(Failure) {
            guard index < bytes.count, bytes[index] == byte else { throw fail(description) }
            index += 1
        }

        mutating func value(depth: Int) throws(Failure) {
            guard depth < Self.maxDepth else { throw fail("less nesting") }
            guard index < bytes.count else { throw fail("a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("a value")
            }
        }

        mutating func object(depth: Int) throws(Failure) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("a string key") }
                try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw fail("',' or '}'") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                try expect(UInt8(ascii: ","), "',' or '}'")
                skipWhitespace()
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw fail("',' or ']'") }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                try expect(UInt8(ascii: ","), "',' or ']'")
                skipWhitespace()
            }
        }

        mutating func string() throws(Failure) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("an escape") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard index < bytes.count, Self.isHex(bytes[index]) else { throw fail("4 hex digits") }
                            index += 1
                        }
                    default:
                        throw fail("an escape")
                    }
                case 0..<0x20:
                    throw fail("'\"' or an escaped control character")
                default:
                    index += 1
                }
            }
            throw fail("'\"'")
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let expected = word.withUTF8Buffer { Array($0) }
            // A wrong word is reported where it starts: "nul" and "none" are both "not a value".
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw fail("a value")
            }
            index += expected.count
        }

        mutating func number() throws(Failure) {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw fail("a digit") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw fail("a digit") }
                digits()
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw fail("a digit") }
                digits()
            }
        }

        mutating func digits() {
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        static func isHex(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
    }
}
