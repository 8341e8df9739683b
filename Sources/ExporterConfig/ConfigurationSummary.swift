/// The table `check-config` prints: what each target will do, without any secret.
public enum ConfigurationSummary {
    static let headers = ["NAME", "VENDOR", "URL", "INTERVAL", "TIMEOUT", "AUTH", "JOBS"]

    /// Aligned columns separated by two spaces, one line per target, each line ending in "\n".
    public static func table(for configuration: ExporterConfiguration) -> String {
        let rows = configuration.targets.map { target in
            [
                target.name, target.vendor.rawValue, target.url,
                DurationParser.format(target.interval), DurationParser.format(target.timeout),
                target.auth.kindDescription,
                target.jobs.isEmpty ? "all" : target.jobs.joined(separator: ","),
            ]
        }
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                let isLast = column == row.count - 1
                line += isLast ? cell : cell.padding(toLength: widths[column] + 2)
            }
            return line + "\n"
        }.joined()
    }
}

private extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
