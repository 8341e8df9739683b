import Adapters
import AsyncHTTPClient
import BackupModel
import Daemon
import Foundation
import Logging
import ServiceLifecycle
import Systemd

/// Builds the daemon's parts and runs them in a `ServiceGroup` until SIGTERM or SIGINT.
enum DaemonRunner {

    /// Runs until a graceful shutdown; returns normally then. Start-up failures (config, store
    /// lock, listen address) are thrown with a message naming what is wrong.
    static func run(options: DaemonOptions, environment: [String: String], logger: Logger,
                    beforeReady: (@Sendable (Daemon) async -> Void)? = nil) async throws {
        MallocTuning.apply()
        let client = VendorHTTPClient.make()
        let notifier = SystemdNotifier()
        do {
            let daemon = try Daemon(options: options, environment: environment, client: client, notifier: notifier, logger: logger)
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
