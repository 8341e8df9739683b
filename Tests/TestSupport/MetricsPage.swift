/// The one reader of exposition pages in the tests (Prometheus text 0.0.4 and OpenMetrics 1.0),
/// so that assertions talk about families and series instead of substrings. It reads `# HELP`
/// and `# TYPE`, skips `# EOF`, unescapes label values the way Prometheus does (`\\`, `\"`,
/// `\n`) and records lines it cannot read instead of skipping them.
public struct MetricsPage: Sendable {
    public struct Header: Equatable, Sendable {
        public var name: String
        public var type: String
        public var help: String
    }

    public struct Sample: Equatable, Sendable {
        public var name: String
        public var labels: [String: String]
        /// The value as printed.
        public var value: String
        /// The family (`# TYPE` name) in force where the sample appeared.
        public var family: String?

        /// The value as a number (`+Inf`, `-Inf` and `NaN` included), nil when it is not one.
        public var number: Double? { Double(value) }
    }

    public let text: String
    public private(set) var lines: [String] = []
    public private(set) var headers: [Header] = []
    public private(set) var samples: [Sample] = []
    public private(set) var unreadable: [String] = []

    public init(_ text: String) {
        self.text = text
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

    public func samples(named name: String) -> [Sample] {
        samples.filter { $0.name == name }
    }

    /// The printed value of the one series with exactly these labels, or nil if there is none.
    public func valueText(_ name: String, _ labels: [String: String]) -> String? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The number of the first series of `name` that carries (at least) these labels.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in
            sample.name == name && sample.number != nil && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }?.number
    }

    /// Every numeric series of `name`.
    public func values(_ name: String) -> [(labels: [String: String], value: Double)] {
        samples.compactMap { sample in sample.name == name ? sample.number.map { (sample.labels, $0) } : nil }
    }

    /// The state whose `backup_job_state` series is 1 for this target and job.
    public func state(target: String, job: String) -> String? {
        samples.first {
            $0.name == "backup_job_state" && $0.labels["target"] == target && $0.labels["job_id"] == job && $0.number == 1
        }?.labels["state"]
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

extension MetricsPage {
    /// Reads pages from `fetch` (every 50 ms, as `eventually`) until one satisfies `condition`
    /// or `timeout` seconds pass, and returns the last page read either way, so the assertion
    /// that follows can show what the daemon served instead.
    public static func waitFor(timeout: Double = 10, from fetch: () async -> MetricsPage,
                               until condition: (MetricsPage) -> Bool) async -> MetricsPage {
        var page = MetricsPage("")
        _ = await eventually(timeout: timeout) {
            page = await fetch()
            return condition(page)
        }
        return page
    }
}
