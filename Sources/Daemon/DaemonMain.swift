import Adapters
import Logging
import ServiceLifecycle
import StateStore
import Systemd

/// The composition root: the one place that builds the daemon's parts (HTTP client, systemd
/// notifier, state store, the daemon, its lifecycle services and their group) and runs them until
/// SIGTERM or SIGINT. The daemon builds its pollers and server from the config at start and on
/// every reload, since those follow the config file.
public enum DaemonMain {
    /// Returns normally after a graceful shutdown. Start-up failures (store lock, config, listen
    /// address) are thrown with a message naming what is wrong.
    public static func run(options: DaemonOptions, environment: [String: String], logger: Logger) async throws {
        if let files = FileDescriptorLimit.raiseToHard() {
            logger.info("open file limit", metadata: [
                "soft_before": "\(files.before)", "soft": "\(files.after)", "hard": "\(files.hard)",
            ])
        }
        let client = VendorHTTPClient()
        let notifier = SystemdNotifier()
        do {
            let store = try StateStore(directory: options.storagePath, build: options.build)
            let daemon = Daemon(
                options: options, environment: environment, store: store, client: client, notifier: notifier, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: ExporterService(daemon: daemon, logger: logger)),
            ]
            if let watchdog = WatchdogService(daemon: daemon, notifier: notifier, logger: logger) {
                services.append(.init(service: watchdog))
            }
            let group = ServiceGroup(configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }
}
