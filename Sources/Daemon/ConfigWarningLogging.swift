import ExporterConfig
import Logging

extension Logger {
    /// One warning line per `ConfigWarning`, with file, line and key as fields so a journal
    /// query can find them; the message names paths and modes, never a secret's content.
    func log(_ warning: ConfigWarning) {
        var metadata: Logger.Metadata = ["file": "\(warning.file)", "key": "\(warning.key)", "warning": "\(warning.message)"]
        if let line = warning.line { metadata["line"] = "\(line)" }
        self.warning("\(warning.headline)", metadata: metadata)
    }
}
