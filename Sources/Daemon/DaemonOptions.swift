import BackupModel
import Exposition
import WebServer

/// What the command line decides for a daemon run. Unlike the config file, none of this changes on
/// reload: a new listen address or store path needs a restart.
public struct DaemonOptions: Sendable {
    public var configPath: String
    public var listenAddress: ListenAddress
    public var telemetryPath: String
    public var storagePath: String
    public var build: BuildInfo
    /// How long shutdown waits for polls in flight to unwind after cancelling them.
    public var shutdownGrace: Double
    /// `--web.config.file`: TLS and basic auth for the HTTP server. Its contents reload with the
    /// config; the path itself, like the listen address, needs a restart.
    public var webConfigPath: String?
    /// This instance's share of the config's targets (`--shard.index`, `--shard.count`).
    public var shard: ShardAssignment
    /// `--web.systemd-socket`: serve the sockets systemd passed (socket activation) instead of
    /// binding `listenAddress`.
    public var systemdSocket: Bool
    /// `--web.max-connections`, `--web.read-header-timeout`, `--web.idle-timeout`,
    /// `--web.max-header-bytes`. The cap asked for; start may lower it to fit the open-file limit
    /// (`FileDescriptorBudget`).
    public var connectionLimits: ConnectionLimits
    /// Plain bytes the kept metrics page may hold beside its compressed pieces
    /// (`StorePage.plainBudget`). Not a flag: a page past it is served by inflating its pieces,
    /// and the tests set 0 to send a small page down that path.
    public var plainPageBudget = StorePage.defaultPlainBudget

    public init(configPath: String, listenAddress: ListenAddress, telemetryPath: String = "/metrics",
                storagePath: String, build: BuildInfo, shutdownGrace: Double = 3, webConfigPath: String? = nil,
                shard: ShardAssignment = .single, systemdSocket: Bool = false, connectionLimits: ConnectionLimits = .default) {
        self.configPath = configPath
        self.listenAddress = listenAddress
        self.telemetryPath = telemetryPath
        self.storagePath = storagePath
        self.build = build
        self.shutdownGrace = shutdownGrace
        self.webConfigPath = webConfigPath
        self.shard = shard
        self.systemdSocket = systemdSocket
        self.connectionLimits = connectionLimits
    }
}
