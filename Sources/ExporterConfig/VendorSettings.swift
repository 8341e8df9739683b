import BackupModel

/// A target's `options:`, decoded for its vendor while the config is loaded, so a wrong option is
/// reported with file, line and key like any other key, and `check-config` needs no adapter.
public enum VendorSettings: Sendable, Equatable {
    case inet(InetOptions)
    case veeamM365(VeeamM365Options)
    case unitrends(UnitrendsOptions)
    case commvault(CommvaultOptions)
    case eclypse(EclypseOptions)

    /// The vendor's options with every default: what an absent `options:` means.
    public static func defaults(for vendor: Vendor) -> VendorSettings {
        switch vendor {
        case .inet: .inet(InetOptions())
        case .veeamM365: .veeamM365(VeeamM365Options())
        case .unitrends: .unitrends(UnitrendsOptions())
        case .commvault: .commvault(CommvaultOptions())
        case .eclypse: .eclypse(EclypseOptions())
        }
    }

    /// Decodes `options` (an empty mapping at the target's line when absent) for `vendor`.
    /// `jobs` is the target's `jobs:`, which ECLYPSE's `names` must stay within.
    static func decode(vendor: Vendor, options: ConfigMapping, jobs: [String]) throws(ConfigError) -> VendorSettings {
        try options.rejectUnknownKeys(allowed: keys(of: vendor))
        return switch vendor {
        case .inet: .inet(try InetOptions(options))
        case .veeamM365: .veeamM365(try VeeamM365Options(options))
        case .unitrends: .unitrends(try UnitrendsOptions(options))
        case .commvault: .commvault(try CommvaultOptions(options))
        case .eclypse: .eclypse(try EclypseOptions(options, jobs: jobs))
        }
    }

    /// The option names `vendor` knows; any other key is refused before a value is read.
    static func keys(of vendor: Vendor) -> Set<String> {
        switch vendor {
        case .inet: InetOptions.keys
        case .veeamM365: VeeamM365Options.keys
        case .unitrends: UnitrendsOptions.keys
        case .commvault: CommvaultOptions.keys
        case .eclypse: EclypseOptions.keys
        }
    }
}
