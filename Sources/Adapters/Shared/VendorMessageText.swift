import BackupModel
import ExporterConfig

extension AuthConfiguration {
    /// A vendor's free text, bounded, with this target's password and token replaced by
    /// `<redacted>`: a vendor that echoes a failed login's credentials into a job's output must
    /// not put them into the journal.
    func vendorMessage(_ parts: [String]) -> String? {
        var parts = parts
        for secret in [password, token].compactMap({ $0?.reveal() }) where secret.count >= 4 {
            // By Unicode scalar, not by Character: a combining mark that follows the secret must
            // not hide it from the match.
            parts = parts.map { String($0.unicodeScalars.replacing(secret.unicodeScalars, with: "<redacted>".unicodeScalars)) }
        }
        return VendorMessage.bounded(joining: parts)
    }
}
