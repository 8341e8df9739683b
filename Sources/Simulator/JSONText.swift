import Foundation

/// JSON string literals for the simulators' hand-written bodies (they write JSON by hand so the
/// bytes, field order and number formats match each vendor's examples exactly).
enum JSONText {
    /// `text` as a quoted JSON string: quotes, backslashes, newlines and control characters escaped.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
