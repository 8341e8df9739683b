import Logging
import ServiceLifecycle
import Systemd

/// Pings systemd's watchdog at half its timeout, but only while the daemon can still do its job
/// (every target's timer still ticks and the HTTP server answers). A daemon that hangs therefore stops
/// pinging and systemd restarts it, instead of an idle thread pinging for ever.
public struct WatchdogService: Service {
    let daemon: Daemon
    let notifier: SystemdNotifier
    let interval: Double
    let logger: Logger

    /// Nil when systemd asked for no watchdog (`WatchdogSec=` unset).
    public init?(daemon: Daemon, notifier: SystemdNotifier, logger: Logger) {
        guard let timeout = SystemdNotifier.watchdogTimeout(), timeout > 0 else { return nil }
        self.daemon = daemon
        self.notifier = notifier
        self.interval = timeout / 2
        self.logger = logger
    }

    /// Ends as soon as a graceful shutdown begins: a sleep of half the watchdog timeout (15 s with
    /// `WatchdogSec=30s`) must not hold up `systemctl stop` past `TimeoutStopSec`.
    public func run() async throws {
        let (daemon, notifier, interval, logger) = (self.daemon, self.notifier, self.interval, self.logger)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Until start-up is done there is nothing to vouch for yet; look again soon rather
                // than a whole interval later.
                guard await daemon.isReady else {
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                if await daemon.isHealthy() {
                    notifier.watchdog()
                } else {
                    logger.warning("watchdog: daemon not healthy, not pinging")
                }
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }
}
