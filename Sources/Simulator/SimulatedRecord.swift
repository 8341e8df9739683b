import Foundation

/// A vendor record as an ordered list of fields that renders to JSON or to XML from the same
/// values, so a simulator answers both formats with the very same job (the property the
/// adapters' "same job from either format" tests rely on).
///
/// XML follows the attribute style Commvault uses: scalar fields become attributes, nested
/// records child elements; ECLYPSE's element style is `xmlElements`.
struct SimulatedRecord: Sendable, Equatable {
    enum Value: Sendable, Equatable {
        case int(Int64)
        case double(Double, decimals: Int)
        case string(String)
        case bool(Bool)
        case record(SimulatedRecord)
    }

    var fields: [(key: String, value: Value)]

    init(_ fields: [(String, Value)]) {
        self.fields = fields.map { (key: $0.0, value: $0.1) }
    }

    static func == (lhs: SimulatedRecord, rhs: SimulatedRecord) -> Bool {
        lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    var json: String {
        "{" + fields.map { "\(JSONText.quote($0.key)):\(Self.json($0.value))" }.joined(separator: ",") + "}"
    }

    private static func json(_ value: Value) -> String {
        switch value {
        case .int(let number): String(number)
        case .double(let number, _):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): JSONText.quote(text)
        case .bool(let flag): flag ? "true" : "false"
        case .record(let record): record.json
        }
    }

    /// `<name a="1" b="x"><child .../></name>`: every scalar as an attribute string, decimals
    /// printed with the given number of places ("100.000000", as Commvault sends them).
    func xmlAttributes(name: String) -> String {
        var attributes = ""
        var children = ""
        for (key, value) in fields {
            switch value {
            case .record(let record): children += record.xmlAttributes(name: key)
            default: attributes += " \(key)=\"\(Self.xmlEscape(Self.text(value)))\""
            }
        }
        return children.isEmpty ? "<\(name)\(attributes)/>" : "<\(name)\(attributes)>\(children)</\(name)>"
    }

    /// `<name><Key>value</Key>...</name>`: ECLYPSE's element style.
    func xmlElements(name: String) -> String {
        var out = "<\(name)>"
        for (key, value) in fields {
            switch value {
            case .record(let record): out += record.xmlElements(name: key)
            default: out += "<\(key)>\(Self.xmlEscape(Self.text(value)))</\(key)>"
            }
        }
        return out + "</\(name)>"
    }

    private static func text(_ value: Value) -> String {
        switch value {
        case .int(let number): String(number)
        case .double(let number, let decimals): String(format: "%.\(decimals)f", number)
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .record: ""
        }
    }

    static func xmlEscape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
