/// One field of a journald native-protocol datagram, and how it was encoded on the wire.
struct JournalWireField: Equatable, CustomStringConvertible {
    var name: String
    var value: String
    /// True for the `NAME\n<64-bit LE length><value>\n` form libsystemd uses for values with a
    /// line break; false for a plain `NAME=value\n` line.
    var lengthPrefixed: Bool

    init(_ name: String, _ value: String, lengthPrefixed: Bool = false) {
        self.name = name
        self.value = value
        self.lengthPrefixed = lengthPrefixed
    }

    var description: String {
        "\(name)\(lengthPrefixed ? "(binary)" : "")=\(value.debugDescription)"
    }
}

/// Decodes what journald would read from its socket, independently of the handler's code.
enum JournalWireParser {
    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "malformed journal datagram at byte \(offset): \(reason)" }
    }

    static func parse(_ bytes: [UInt8]) throws -> [JournalWireField] {
        var fields: [JournalWireField] = []
        var index = 0
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw Malformed(offset: index, reason: "field without a terminating newline")
            }
            if let equals = bytes[index..<newline].firstIndex(of: UInt8(ascii: "=")) {
                fields.append(JournalWireField(text(bytes[index..<equals]), text(bytes[(equals + 1)..<newline])))
                index = newline + 1
                continue
            }
            let lengthStart = newline + 1
            let valueStart = lengthStart + 8
            guard valueStart <= bytes.count else {
                throw Malformed(offset: lengthStart, reason: "truncated 64-bit length")
            }
            let length = bytes[lengthStart..<valueStart].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let valueEnd = valueStart + Int(length)
            guard valueEnd < bytes.count, bytes[valueEnd] == UInt8(ascii: "\n") else {
                throw Malformed(offset: valueStart, reason: "value of \(length) bytes not followed by a newline")
            }
            fields.append(JournalWireField(text(bytes[index..<newline]), text(bytes[valueStart..<valueEnd]), lengthPrefixed: true))
            index = valueEnd + 1
        }
        return fields
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
