/// One entry of an `Accept` header, reduced to what format negotiation needs.
struct MediaRange: Equatable {
    /// Lower-cased `type/subtype`.
    var type: String
    /// The `version` parameter, unquoted; nil when absent.
    var version: String?
    /// The `q` parameter, 0...1; 1 when absent.
    var quality: Double

    /// Parses a comma-separated `Accept` value. Entries that are not `type/subtype` or whose `q`
    /// is not a number in 0...1 are dropped rather than guessed at.
    static func parseList(_ header: String) -> [MediaRange] {
        header.split(separator: ",").compactMap { parse($0) }
    }

    private static func parse(_ entry: Substring) -> MediaRange? {
        let parts = entry.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = parts.first else { return nil }
        let type = trimmed(first).lowercased()
        let halves = type.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else { return nil }
        var range = MediaRange(type: type, version: nil, quality: 1)
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let key = trimmed(parameter[..<equals]).lowercased()
            var value = trimmed(parameter[parameter.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            switch key {
            case "q":
                guard let quality = Double(value), quality >= 0, quality <= 1 else { return nil }
                range.quality = quality
            case "version":
                range.version = value
            default:
                break
            }
        }
        return range
    }

    private static func trimmed(_ text: Substring) -> String {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
