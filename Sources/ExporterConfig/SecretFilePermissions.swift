import FoundationEssentials
import Glibc

/// Secret files (`password_file`, `token_file`, a TLS key) that other users can read. It is a
/// warning, not an error: the file may be meant for a group the daemon shares on purpose, and
/// refusing to start would turn a hardening hint into an outage.
enum SecretFilePermissions {
    /// Group and world read bits.
    static let sharedReadBits: UInt16 = 0o044

    /// A warning about `path` when its mode lets its group or everyone read it; nil otherwise or
    /// when it cannot be inspected (the read itself reports that).
    static func warning(path: String, file: String, line: Int?, key: String) -> ConfigWarning? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = UInt16(truncatingIfNeeded: info.st_mode)
        guard mode & sharedReadBits != 0 else { return nil }
        let who = mode & 0o004 != 0 ? "every user" : "its group"
        return ConfigWarning(file: file, line: line, key: key,
                             message: "'\(path)' is readable by \(who) (mode \(octal(mode & 0o777))); make it readable by the daemon only, e.g. chmod 600, or use systemd credentials")
    }

    /// `0640`: four octal digits, as `chmod` and `stat -c %a` write a mode.
    private static func octal(_ mode: UInt16) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Warnings for the secret files one target's `auth:` names, with paths resolved as the
    /// decoder resolves them.
    static func warnings(target: ConfigMapping, resolve: (String) -> String) -> [ConfigWarning] {
        guard let auth = try? target.mapping("auth") else { return [] }
        var warnings: [ConfigWarning] = []
        for key in ["password_file", "token_file"] {
            guard let entry = auth.entry(key), let written = entry.value.scalar?.text else { continue }
            if let warning = warning(path: resolve(written), file: target.file, line: entry.keyLine, key: auth.keyPath(key)) {
                warnings.append(warning)
            }
        }
        return warnings
    }
}
