import ExporterConfig
import Foundation

/// The error `parse` throws for `yaml`, or nil when it loads.
func parseError(_ yaml: String, environment: [String: String] = [:], path: String = "config.yaml") -> ConfigError? {
    do {
        _ = try ConfigLoader.parse(yaml: yaml, path: path, environment: environment)
        return nil
    } catch {
        return error
    }
}

/// A valid document with one target whose body is `extra` (indented to fit under the target).
func oneTarget(_ extra: String = "", name: String = "t1", vendor: String = "inet", url: String = "https://h.example") -> String {
    var yaml = """
        targets:
          - name: \(name)
            vendor: \(vendor)
            url: \(url)

        """
    for line in extra.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
        yaml += "    \(line)\n"
    }
    return yaml
}
