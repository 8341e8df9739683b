/// A YAML value as written, with the line it starts on: what libyaml's events say, before the
/// config gives it a meaning. Aliases are already replaced by a copy of the anchored value.
struct YAMLNode: Sendable {
    enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    var content: Content
    /// 1-based line where the value starts.
    var line: Int
}

struct YAMLPair: Sendable {
    var key: YAMLNode
    var value: YAMLNode
}

/// A scalar's text and how it was written. The typed readings follow YAML 1.1, which the
/// config has always been read with: only a plain scalar (or one tagged `!!bool`/`!!int`) is a
/// boolean, a number or null, so a quoted `"true"` or `"8080"` stays a string.
struct YAMLScalar: Sendable {
    var text: String
    /// Written without quotes and without a block indicator (`|`, `>`).
    var isPlain: Bool
    /// The explicit tag in full (`tag:yaml.org,2002:bool` for `!!bool`), nil when none is written.
    var tag: String?

    private static let boolTag = "tag:yaml.org,2002:bool"
    private static let intTag = "tag:yaml.org,2002:int"
    private static let nullTag = "tag:yaml.org,2002:null"

    var isNull: Bool {
        if tag == Self.nullTag { return true }
        guard isPlain, tag == nil else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    var bool: Bool? {
        if tag == Self.boolTag { return Self.boolWords[text.lowercased()] }
        guard isPlain, tag == nil else { return nil }
        return Self.boolSpellings.contains(text) ? Self.boolWords[text.lowercased()] : nil
    }

    /// YAML 1.1 integers: `_` separators, a sign, `0x`, `0b`, `0o` or a leading `0` (octal), and
    /// base-60 (`1:30` is 90).
    var int: Int? {
        guard (isPlain && tag == nil) || tag == Self.intTag else { return nil }
        var digits = text.filter { $0 != "_" }
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits.removeFirst()
        }
        // Int(_:radix:) reads a sign of its own; one is already consumed, so a second is refused.
        guard !digits.isEmpty, !digits.contains("-"), !digits.contains("+") else { return nil }
        let magnitude: Int?
        if digits == "0" {
            magnitude = 0
        } else if digits.hasPrefix("0x") {
            magnitude = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0b") {
            magnitude = Int(digits.dropFirst(2), radix: 2)
        } else if digits.hasPrefix("0o") {
            magnitude = Int(digits.dropFirst(2), radix: 8)
        } else if digits.hasPrefix("0") {
            magnitude = Int(digits.dropFirst(), radix: 8)
        } else if digits.contains(":") {
            magnitude = Self.sexagesimal(digits)
        } else {
            magnitude = Int(digits, radix: 10)
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    private static let boolSpellings: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ]
    private static let boolWords: [String: Bool] = [
        "yes": true, "true": true, "on": true, "no": false, "false": false, "off": false,
    ]

    private static func sexagesimal(_ digits: String) -> Int? {
        var total = 0
        for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let value = Int(part, radix: 10), value >= 0 else { return nil }
            let (shifted, overflow) = total.multipliedReportingOverflow(by: 60)
            guard !overflow else { return nil }
            let (sum, overflow2) = shifted.addingReportingOverflow(value)
            guard !overflow2 else { return nil }
            total = sum
        }
        return total
    }
}
