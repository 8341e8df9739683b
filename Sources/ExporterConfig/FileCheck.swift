import FoundationEssentials
import Glibc

/// File reading and path handling shared by the config file, the web config file, secret files
/// and CA files.
enum FileCheck {
    /// Why `path` cannot be read as a file, or nil when it looks readable.
    static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "no such file" }
        if info.st_mode & S_IFMT == S_IFDIR { return "is a directory" }
        guard access(path, R_OK) == 0 else { return "permission denied" }
        return nil
    }

    /// The text of the YAML file at `path`, or the `ConfigError` that says why it cannot be read;
    /// `name` is what messages call it ("config file", "web config file").
    static func yamlText(at path: String, name: String) throws(ConfigError) -> String {
        if let problem = problem(at: path) {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the \(name): \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the \(name): permission denied")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, key: "", message: "the \(name) is not UTF-8 text")
        }
        return yaml
    }

    /// `path` made absolute against `directory` when relative, with "." and ".." removed.
    static func resolve(_ path: String, against directory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : (directory.hasSuffix("/") ? directory : directory + "/") + path
        return URL(fileURLWithPath: absolute).standardized.path
    }

    /// The absolute folder holding `file` (relative files are taken from the working directory).
    static func directory(of file: String) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().standardized.path
    }
}
