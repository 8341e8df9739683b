import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon as a swift-service-lifecycle `Service`: starts it, reloads it on SIGHUP, and stops
/// it when the group shuts down gracefully (SIGTERM, SIGINT).
public struct ExporterService: Service {
    let daemon: Daemon
    let logger: Logger

    public init(daemon: Daemon, logger: Logger) {
        self.daemon = daemon
        self.logger = logger
    }

    public func run() async throws {
        try await daemon.start()
        let daemon = self.daemon
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let hangups = await UnixSignalsSequence(trapping: .sighup)
                for await _ in hangups.cancelOnGracefulShutdown() {
                    logger.info("SIGHUP: reloading configuration")
                    await daemon.reload()
                }
            }
            group.addTask {
                try? await gracefulShutdown()
            }
            await group.next()
            group.cancelAll()
        }
        await daemon.stop()
    }
}
