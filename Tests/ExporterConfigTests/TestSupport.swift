import ExporterConfig
import Foundation

/// A fresh folder per test so tests running in parallel never share files.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory().appending("exporter-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `contents` at `relativePath` (creating folders) and returns the absolute path.
    @discardableResult
    func write(_ relativePath: String, _ contents: String) throws -> String {
        let file = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

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
