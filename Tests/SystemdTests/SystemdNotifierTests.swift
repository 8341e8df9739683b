import TestSupport
import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// These tests change process-wide environment variables, so they run one at a time and restore
/// the variables before returning. No other suite reads NOTIFY_SOCKET or WATCHDOG_*.
@Suite("SystemdNotifier", .serialized)
struct SystemdNotifierTests {
    /// Binds a notify socket in a fresh directory, points NOTIFY_SOCKET at it for `body`, and
    /// returns every datagram that was queued on it, decoded as text.
    private func datagrams(sentBy body: (SystemdNotifier) -> Void) throws -> [String] {
        let directory = try TemporaryDirectory.kept()
        defer { rmdir(directory) }
        let socket = try DatagramSocket(bindingTo: directory + "/notify")
        defer { socket.closeAndUnlink() }
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }

        body(SystemdNotifier())

        return socket.queuedMessages()
    }

    @Test("ready with a status sends READY=1 and STATUS= in one datagram")
    func readyWithStatus() throws {
        let sent = try datagrams { $0.ready(status: "polling 3 targets") }
        #expect(sent == ["READY=1\nSTATUS=polling 3 targets"])
    }

    @Test("ready without a status sends only READY=1")
    func readyWithoutStatus() throws {
        let sent = try datagrams { $0.ready() }
        #expect(sent == ["READY=1"])
    }

    @Test("watchdog, stopping and status each send their own datagram, in call order")
    func simpleMessages() throws {
        let sent = try datagrams { notifier in
            notifier.watchdog()
            notifier.stopping()
            notifier.status("draining 2 polls")
        }
        #expect(sent == ["WATCHDOG=1", "STOPPING=1", "STATUS=draining 2 polls"])
    }

    @Test("status folds every kind of line break and NUL into spaces so systemctl shows one line")
    func statusIsOneLine() throws {
        let sent = try datagrams { $0.status("a\nb\r\nc\rd\u{2028}e\0f") }
        #expect(sent == ["STATUS=a b c d e f"])
    }

    @Test("reloading sends RELOADING=1 with MONOTONIC_USEC read from CLOCK_MONOTONIC")
    func reloadingCarriesMonotonicTime() throws {
        var before: UInt64 = 0
        var after: UInt64 = 0
        let sent = try datagrams { notifier in
            before = SystemdNotifier.monotonicMicroseconds()
            notifier.reloading()
            after = SystemdNotifier.monotonicMicroseconds()
        }
        try #require(sent.count == 1)
        let lines = sent[0].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 2)
        #expect(lines[0] == "RELOADING=1")
        let prefix = "MONOTONIC_USEC="
        try #require(lines[1].hasPrefix(prefix))
        let digits = lines[1].dropFirst(prefix.count)
        #expect(!digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber })
        let stamp = try #require(UInt64(digits))
        #expect(before <= stamp && stamp <= after)
    }

    @Test("without NOTIFY_SOCKET the notifier is disabled and sends nothing")
    func disabledWithoutSocket() throws {
        let directory = try TemporaryDirectory.kept()
        defer { rmdir(directory) }
        let socket = try DatagramSocket(bindingTo: directory + "/notify")
        defer { socket.closeAndUnlink() }
        unsetenv("NOTIFY_SOCKET")

        let notifier = SystemdNotifier()
        notifier.ready(status: "up")
        notifier.reloading()
        notifier.watchdog()
        notifier.stopping()
        notifier.status("idle")

        #expect(notifier.isEnabled == false)
        #expect(socket.receiveQueued() == nil)
    }

    @Test("isEnabled follows NOTIFY_SOCKET")
    func enabledWithSocket() {
        setenv("NOTIFY_SOCKET", "/run/nonexistent/notify", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(SystemdNotifier().isEnabled == true)
    }

    @Test("watchdogTimeout is WATCHDOG_USEC in seconds when WATCHDOG_PID is this process")
    func watchdogTimeoutForThisProcess() {
        setenv("WATCHDOG_USEC", "4000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        #expect(SystemdNotifier.watchdogTimeout() == 4.0)
    }

    @Test("watchdogTimeout is nil without WATCHDOG_USEC")
    func watchdogTimeoutUnset() {
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(SystemdNotifier.watchdogTimeout() == nil)
    }

    @Test("watchdogTimeout is nil when the watchdog belongs to another process")
    func watchdogTimeoutOtherProcess() {
        setenv("WATCHDOG_USEC", "4000000", 1)
        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        #expect(SystemdNotifier.watchdogTimeout() == nil)
    }
}
