/// The adapter kinds the daemon knows. The raw value is the config's `vendor:` word and the
/// `vendor` label on every metric, so it must never change.
public enum Vendor: String, CaseIterable, Sendable, Codable, Hashable {
    case inet
    case eclypse
    case veeamM365 = "veeam_m365"
    case commvault
    case unitrends
}
