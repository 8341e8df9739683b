import Adapters
import BackupModel
import ExporterConfig

/// A target as the scheduler runs it: its configuration and the adapter built from it.
struct ScheduledTarget: Sendable {
    var configuration: TargetConfiguration
    var adapter: any VendorAdapter

    var name: String { configuration.name }
}
