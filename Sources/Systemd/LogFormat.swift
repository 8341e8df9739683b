/// The `--log.format` choices.
public enum LogFormat: String, Sendable, CaseIterable {
    case journald
    case logfmt
    case json

    /// journald when systemd connected our stderr to the journal (it sets `JOURNAL_STREAM` for
    /// `StandardError=journal`), logfmt otherwise.
    ///
    /// A child process inherits `JOURNAL_STREAM` even when its stderr goes elsewhere; systemd's
    /// stricter test compares the variable with stderr's device and inode. We follow the config
    /// spec's simpler rule, and `--log.format` overrides it either way.
    public static func `default`(environment: [String: String]) -> LogFormat {
        environment["JOURNAL_STREAM"] == nil ? .logfmt : .journald
    }
}
