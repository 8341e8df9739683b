import BackupModel
import Foundation
import ExporterConfig

extension AuthConfiguration {
    /// A vendor's free text, bounded, with this target's password and token replaced by
    /// `<redacted>`: a vendor that echoes a failed login's credentials into a job's output must
    /// not put them into the journal.
    func vendorMessage(_ parts: [String]) -> String? {
        var parts = parts
        for secret in [password, token].compactMap({ $0?.reveal() }) where secret.count >= 4 {
            parts = parts.map { $0.replacingOccurrences(of: secret, with: "<redacted>") }
        }
        return VendorMessage.bounded(joining: parts)
    }
}
