import Foundation

/// Path handling shared by the config file itself, secret files and CA files.
enum FileCheck {
    /// Why `path` cannot be read as a file, or nil when it looks readable.
    static func problem(at path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "permission denied" }
        return nil
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
