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
        // Trapped before the start: `start()` sends READY=1, systemd may run `ExecReload=` (a
        // SIGHUP) at once, and an untrapped SIGHUP ends the process. One that comes during the
        // start waits in the sequence and reloads right after it.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await daemon.start()
        let daemon = self.daemon
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
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
