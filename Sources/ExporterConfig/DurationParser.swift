/// Go-style durations (`500ms`, `30s`, `5m`, `1h30m`, `1.5s`), as every Prometheus exporter's
/// config uses them. A bare number other than `0` is rejected rather than guessed to be
/// seconds, and so are negative values and units Go does not have (`d`, `w`): an interval of
/// "1d" would otherwise silently mean something else in every other exporter.
public enum DurationParser {
    /// Sub-second units divide rather than multiply by 1e-9 etc., so "100ns" is exactly the
    /// Double nearest 1e-7 and not one ulp off.
    private static let units: [String: (multiplier: Double, divisor: Double)] = [
        "ns": (1, 1e9), "us": (1, 1e6), "\u{00B5}s": (1, 1e6), "\u{03BC}s": (1, 1e6), "ms": (1, 1e3),
        "s": (1, 1), "m": (60, 1), "h": (3600, 1),
    ]

    /// Seconds, or nil when `text` is not a valid duration.
    public static func seconds(_ text: String) -> Double? {
        if text == "0" { return 0 }
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        var total = 0.0
        var index = 0
        while index < scalars.count {
            let numberStart = index
            var sawDigit = false
            var sawDot = false
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar.properties.numericType == .decimal, scalar.isASCII {
                    sawDigit = true
                } else if scalar == ".", !sawDot {
                    sawDot = true
                } else {
                    break
                }
                index += 1
            }
            guard sawDigit else { return nil }
            var numberText = String(String.UnicodeScalarView(scalars[numberStart..<index]))
            if numberText.hasSuffix(".") { numberText += "0" }
            if numberText.hasPrefix(".") { numberText = "0" + numberText }
            guard let number = Double(numberText) else { return nil }
            let unitStart = index
            while index < scalars.count, !(scalars[index].isASCII && (scalars[index].properties.numericType == .decimal || scalars[index] == ".")) {
                index += 1
            }
            let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            guard let factor = units[unit] else { return nil }
            total += number * factor.multiplier / factor.divisor
        }
        return total.isFinite ? total : nil
    }

    /// The shortest Go-style spelling of `seconds` ("1m30s", "500ms", "0s"), for `check-config`.
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        if seconds < 1 { return trimmed(seconds * 1000) + "ms" }
        let hours = (seconds / 3600).rounded(.down)
        let minutes = ((seconds - hours * 3600) / 60).rounded(.down)
        let rest = seconds - hours * 3600 - minutes * 60
        var text = ""
        if hours > 0 { text += trimmed(hours) + "h" }
        if minutes > 0 { text += trimmed(minutes) + "m" }
        if rest > 0 || text.isEmpty { text += trimmed(rest) + "s" }
        return text
    }

    private static func trimmed(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
