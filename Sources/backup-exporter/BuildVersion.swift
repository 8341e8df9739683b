import BackupModel

/// The version stamped into `--version` and `backup_exporter_build_info`.
enum BuildVersion {
    static let version = "0.1.0"

    static var swiftVersion: String {
        #if swift(>=6.3)
        "6.3"
        #elseif swift(>=6.2)
        "6.2"
        #elseif swift(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }

    static var buildInfo: BuildInfo { BuildInfo(version: version, swiftVersion: swiftVersion) }
}
