/// A deliberately small reader of the pages under test, so that assertions can talk about
/// families and series instead of substrings. It unescapes label values the way Prometheus does
/// and records lines it cannot read instead of skipping them.
struct ParsedPage {
    struct Header: Equatable {
        var name: String
        var type: String
        var help: String
    }

    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: String
        /// The family (`# TYPE` name) in force where the sample appeared.
        var family: String?
    }

    var headers: [Header] = []
    var samples: [Sample] = []
    var unreadable: [String] = []
    var lines: [String] = []

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var helps: [String: String] = [:]
        for line in lines where !line.isEmpty {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                guard let space = rest.firstIndex(of: " ") else { unreadable.append(line); continue }
                helps[String(rest[..<space])] = String(rest[rest.index(after: space)...])
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard parts.count == 2 else { unreadable.append(line); continue }
                headers.append(Header(name: String(parts[0]), type: String(parts[1]), help: helps[String(parts[0])] ?? ""))
            } else if line == "# EOF" {
                continue
            } else if let sample = Self.sample(line, family: headers.last?.name) {
                samples.append(sample)
            } else {
                unreadable.append(line)
            }
        }
    }

    func samples(named name: String) -> [Sample] {
        samples.filter { $0.name == name }
    }

    /// The value of the one series with exactly these labels, or nil if there is none.
    func value(_ name: String, _ labels: [String: String]) -> String? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private static func sample(_ line: String, family: String?) -> Sample? {
        var chars = Substring(line)
        let name = chars.prefix { $0 != "{" && $0 != " " }
        chars = chars.dropFirst(name.count)
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars = chars.dropFirst()
            while chars.first != "}" {
                let key = chars.prefix { $0 != "=" }
                chars = chars.dropFirst(key.count)
                guard chars.hasPrefix("=\"") else { return nil }
                chars = chars.dropFirst(2)
                var value = ""
                while let char = chars.first, char != "\"" {
                    chars = chars.dropFirst()
                    guard char == "\\" else { value.append(char); continue }
                    switch chars.first {
                    case "\\": value.append("\\")
                    case "\"": value.append("\"")
                    case "n": value.append("\n")
                    default: return nil
                    }
                    chars = chars.dropFirst()
                }
                guard chars.first == "\"" else { return nil }
                chars = chars.dropFirst()
                labels[String(key)] = value
                if chars.first == "," { chars = chars.dropFirst() }
                guard !chars.isEmpty else { return nil }
            }
            chars = chars.dropFirst()
        }
        guard chars.first == " " else { return nil }
        let value = chars.dropFirst()
        guard !name.isEmpty, !value.isEmpty, !value.contains(" ") else { return nil }
        return Sample(name: String(name), labels: labels, value: String(value), family: family)
    }
}
