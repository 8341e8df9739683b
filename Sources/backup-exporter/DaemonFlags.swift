import ArgumentParser
import Daemon
import ExporterConfig
import FoundationEssentials
import Logging
import Systemd
import WebServer

/// The flags the daemon and `demo` share, spelled as Prometheus exporters spell them.
struct DaemonFlags: ParsableArguments {
    @Option(name: .customLong("web.listen-address"), help: "Address to serve metrics on: :PORT, HOST:PORT or [IPv6]:PORT.")
    var listenAddress: String = ":9871"

    @Option(name: .customLong("web.telemetry-path"), help: "Path of the metrics page.")
    var telemetryPath: String = "/metrics"

    @Option(name: .customLong("web.config.file"), help: "Prometheus exporter-toolkit web config: TLS and basic auth for the HTTP server (reloaded with the config).")
    var webConfigFile: String?

    @Option(name: .customLong("web.max-connections"), help: "HTTP connections open at once; at the cap a new one closes the connection idle longest. Lowered at start to fit the open file limit.")
    var maxConnections: Int = ConnectionLimits.default.maxConnections

    @Option(name: .customLong("web.read-header-timeout"), help: "Time a client has to send a whole request, from accept or from its first byte after a response.")
    var readHeaderTimeout: String = "10s"

    @Option(name: .customLong("web.idle-timeout"), help: "Time a keep-alive connection may wait for its next request.")
    var idleTimeout: String = "60s"

    @Option(name: .customLong("web.max-header-bytes"), help: "Largest request head (request line and header fields); larger is answered 400 and closed.")
    var maxHeaderBytes: String = "16KiB"

    @Option(name: .customLong("storage.path"), help: "Directory of the state store (default: $STATE_DIRECTORY, else /var/lib/backup-exporter).")
    var storagePath: String?

    @Option(name: .customLong("log.level"), help: "debug, info, warning or error.")
    var logLevel: String = "info"

    @Option(name: .customLong("log.format"), help: "journald, logfmt or json (default: journald when $JOURNAL_STREAM is set, else logfmt).")
    var logFormat: String?

    @Option(name: .customLong("shard.index"), help: "This instance's shard, 0 to --shard.count - 1: it polls and exports only the targets that rendezvous hashing of their name gives it.")
    var shardIndex: Int = 0

    @Option(name: .customLong("shard.count"), help: "How many instances share the config's targets.")
    var shardCount: Int = 1

    /// The shard flags as the daemon takes them (checked by `validate()`).
    var shard: ShardAssignment { ShardAssignment(index: shardIndex, count: shardCount) ?? .single }

    /// The connection flags as the server takes them (checked by `validate()`).
    var connectionLimits: ConnectionLimits {
        ConnectionLimits(maxConnections: maxConnections,
                         headerReadTimeout: Self.duration(readHeaderTimeout) ?? ConnectionLimits.default.headerReadTimeout,
                         idleTimeout: Self.duration(idleTimeout) ?? ConnectionLimits.default.idleTimeout,
                         maxHeaderBytes: ByteSizeParser.bytes(maxHeaderBytes) ?? ConnectionLimits.default.maxHeaderBytes)
    }

    /// A positive Go-style duration, as the config file writes them.
    static func duration(_ text: String) -> Duration? {
        guard let seconds = DurationParser.seconds(text), seconds > 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    func validate() throws {
        guard maxConnections >= 1 else { throw ValidationError("--web.max-connections must be at least 1") }
        guard Self.duration(readHeaderTimeout) != nil else {
            throw ValidationError("--web.read-header-timeout '\(readHeaderTimeout)' is not a positive duration (10s, 500ms)")
        }
        guard Self.duration(idleTimeout) != nil else {
            throw ValidationError("--web.idle-timeout '\(idleTimeout)' is not a positive duration (60s, 1m)")
        }
        guard let headerBytes = ByteSizeParser.bytes(maxHeaderBytes), headerBytes >= 1024 else {
            throw ValidationError("--web.max-header-bytes '\(maxHeaderBytes)' must be a size of at least 1KiB (16KiB, 65536)")
        }
        guard ShardAssignment(index: shardIndex, count: shardCount) != nil else {
            throw ValidationError("--shard.index must be at least 0 and below --shard.count (\(shardCount)), and --shard.count at least 1")
        }
        guard ListenAddress(listenAddress) != nil else {
            throw ValidationError("--web.listen-address '\(listenAddress)' is not HOST:PORT")
        }
        guard telemetryPath.hasPrefix("/") else { throw ValidationError("--web.telemetry-path must start with /") }
        guard Self.level(logLevel) != nil else { throw ValidationError("--log.level must be debug, info, warning or error") }
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("--log.format must be journald, logfmt or json")
        }
    }

    static func level(_ text: String) -> Logger.Level? {
        switch text {
        case "debug": .debug
        case "info": .info
        case "warning", "warn": .warning
        case "error": .error
        default: nil
        }
    }

    /// Bootstraps swift-log once per process with the chosen back end.
    func bootstrapLogging(environment: [String: String]) {
        let format = logFormat.flatMap(LogFormat.init(rawValue:)) ?? LogFormat.default(environment: environment)
        LoggingSystem.bootstrap(makeLogHandlerFactory(format: format, level: Self.level(logLevel) ?? .info))
    }

    func storageDirectory(environment: [String: String]) -> String {
        if let storagePath { return storagePath }
        // systemd may pass several colon-separated directories; the first is ours.
        if let state = environment["STATE_DIRECTORY"], let first = state.split(separator: ":").first { return String(first) }
        return "/var/lib/backup-exporter"
    }
}
