import CSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager about start-up, reloads, shutdown and liveness through `sd_notify`.
///
/// Every call is a silent no-op when the process was not started with `NOTIFY_SOCKET` (a terminal,
/// a test, `Type=simple`), so callers never check ``isEnabled`` first. The environment is read on
/// each call and never unset: clearing it would be a process-wide side effect that races with any
/// other thread reading the environment.
///
/// Delivery failures are not reported: `sd_notify` is fire-and-forget, and systemd itself logs a
/// start or watchdog timeout when a message never arrives.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// True when a service manager listens for notifications (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// Start-up is complete. With `Type=notify` systemd holds back units ordered after this one
    /// until it arrives, so send it only once the listener is up.
    public func ready(status: String? = nil) {
        var assignments = ["READY=1"]
        if let status {
            assignments.append(Self.statusAssignment(status))
        }
        send(assignments)
    }

    /// A reload has begun; follow it with ``ready(status:)`` when the new config is live (or the
    /// old one was kept). `Type=notify-reload` rejects `RELOADING=1` without `MONOTONIC_USEC`.
    public func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
    }

    /// Shutdown has begun, so systemd reports "deactivating" instead of a crash while we drain.
    public func stopping() {
        send(["STOPPING=1"])
    }

    /// A keep-alive ping; see ``watchdogTimeout()`` for how often systemd expects one.
    public func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// Free-form text shown by `systemctl status`. Only one line is shown there, so line breaks
    /// become spaces; a NUL would silently cut the C string short, so it becomes a space too.
    public func status(_ text: String) {
        send([Self.statusAssignment(text)])
    }

    /// The watchdog interval in seconds when `WatchdogSec=` is enabled for this very process
    /// (`WATCHDOG_PID` must match our pid), else nil. Ping at half of it, as systemd recommends.
    public static func watchdogTimeout() -> Double? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else {
            return nil
        }
        return Double(microseconds) / 1_000_000
    }

    static func statusAssignment(_ text: String) -> String {
        let oneLine = String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
        return "STATUS=\(oneLine)"
    }

    /// `CLOCK_MONOTONIC`, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    private func send(_ assignments: [String]) {
        guard isEnabled else {
            return
        }
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }
}
