import Foundation
import Simulator
import TestSupport
import Testing

/// The daemon binary under a stand-in service manager: a real unix datagram socket as
/// NOTIFY_SOCKET, real signals, real exit codes.
@Suite("sd_notify and signals")
struct SystemdIntegrationTests {
    @Test("READY=1 once listening, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 and exit 0 on SIGTERM")
    func notifyProtocol() async throws {
        let workspace = try await ChildDaemonWorkspace.make(clock: .manual(at: DaemonFixture.epoch + 1), interval: "1s")
        defer { Task { await workspace.tearDown() } }
        let directory = workspace.directory
        let notify = try DatagramSocket(bindingTo: directory + "/notify")
        defer { notify.closeAndUnlink() }
        let port = try freePort()

        let daemon = try workspace.startDaemon(port: port, notify: notify, environment: ["WATCHDOG_USEC": "400000"])
        var messages: [String] = []
        let drain = { messages += notify.queuedMessages() }

        #expect(await eventually { drain(); return messages.contains { $0.hasPrefix("READY=1") } }, "\(daemon.output)")
        // Ready means the listener is up: the metrics page answers straight away.
        #expect(try await httpGet("http://127.0.0.1:\(port)/-/ready") == "Ready.\n")
        let readyLine = messages.first { $0.hasPrefix("READY=1") } ?? ""
        #expect(readyLine.contains("STATUS="))
        // STATUS= follows the polls after READY, so `systemctl status` shows the live summary.
        #expect(await eventually { drain(); return messages.contains("STATUS=2/2 targets up, 2 jobs (0 running, 0 failed)") }, "\(messages)")

        // 400 ms watchdog → a ping every 200 ms; over 1.5 s expect several, not one.
        messages.removeAll()
        try await Task.sleep(for: .milliseconds(1500))
        drain()
        let pings = messages.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 4 && pings <= 10, "\(messages)")

        messages.removeAll()
        daemon.signal(SIGHUP)
        #expect(await eventually { drain(); return messages.contains { $0.hasPrefix("READY=1") } })
        let reloading = messages.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }
        let ready = messages.firstIndex { $0.hasPrefix("READY=1") }
        #expect(reloading != nil && ready != nil && reloading! < ready!, "\(messages)")

        messages.removeAll()
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit(timeout: 5)
        drain()
        #expect(status == 0, "\(daemon.output)")
        #expect(messages.contains("STOPPING=1"), "\(messages)")
    }

    @Test("without NOTIFY_SOCKET nothing is sent and the daemon still starts and stops cleanly on SIGINT")
    func silentWithoutNotifySocket() async throws {
        let workspace = try await ChildDaemonWorkspace.make(clock: .manual(at: DaemonFixture.epoch), interval: "1s")
        defer { Task { await workspace.tearDown() } }
        let port = try freePort()
        let daemon = try ChildProcess(
            executable: "backup-exporter", arguments: workspace.arguments(port: port),
            environment: ["INET_PASSWORD": DaemonFixture.password], directory: workspace.directory)
        #expect(await eventually { (try? await httpGet("http://127.0.0.1:\(port)/-/healthy")) == "Healthy.\n" }, "\(daemon.output)")
        daemon.signal(SIGINT)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output)")
    }

    /// systemd runs `ExecReload=` (SIGHUP) as soon as READY=1 is in, so the daemon must trap
    /// SIGHUP before it says ready: an untrapped SIGHUP ends the process.
    @Test("a SIGHUP sent the moment READY=1 arrives reloads the daemon; it does not end it")
    func sighupRightAfterReady() async throws {
        let workspace = try await ChildDaemonWorkspace.make(clock: .manual(at: DaemonFixture.epoch), interval: "1s")
        defer { Task { await workspace.tearDown() } }
        let notify = try DatagramSocket(bindingTo: workspace.directory + "/notify")
        defer { notify.closeAndUnlink() }
        let port = try freePort()
        let daemon = try workspace.startDaemon(port: port, notify: notify)
        defer { Task { await daemon.kill9() } }
        var messages: [String] = []
        // Polled without sleeping, so the signal follows READY=1 by microseconds, not a poll interval.
        let deadline = ContinuousClock.now + .seconds(20)
        while !messages.contains(where: { $0.hasPrefix("READY=1") }), ContinuousClock.now < deadline {
            messages += notify.queuedMessages()
        }
        try #require(messages.contains { $0.hasPrefix("READY=1") }, "\(daemon.output)")
        daemon.signal(SIGHUP)

        #expect(await eventually {
            messages += notify.queuedMessages()
            return messages.filter { $0.hasPrefix("READY=1") }.count == 2
        }, "\(messages) \(daemon.output)")
        #expect(messages.contains { $0.hasPrefix("RELOADING=1") }, "\(messages)")
        #expect(try await httpGet("http://127.0.0.1:\(port)/-/healthy") == "Healthy.\n")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output)")
    }

    @Test("a second daemon on the same state directory refuses to start and names the lock")
    func secondInstanceRefused() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        let daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: ["--config.file", fixture.configPath, "--storage.path", fixture.storagePath,
                        "--web.listen-address", "127.0.0.1:0"],
            environment: ["INET_PASSWORD": DaemonFixture.password], directory: fixture.directory)
        #expect(await daemon.waitForExit(timeout: 10) == 1)
        #expect(daemon.output.contains("in use by another process"), "\(daemon.output)")
    }

    @Test("a broken config at start-up exits 1 with file, line and key")
    func brokenConfigAtStart() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "targets:\n  - name: a\n    vendor: inet\n    url: http://127.0.0.1:1\n    intervall: 5s\n"
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: ["--config.file", directory + "/config.yaml", "--storage.path", directory + "/state",
                        "--web.listen-address", "127.0.0.1:0"],
            directory: directory)
        #expect(await daemon.waitForExit(timeout: 10) == 1)
        #expect(daemon.output.contains(directory + "/config.yaml:5: targets[0].intervall: unknown key 'intervall' (did you mean 'interval'?)"), "\(daemon.output)")
    }
}

@Suite("Stopping under a long watchdog")
struct WatchdogStopTests {
    /// With WatchdogSec=30s the watchdog sleeps 15 s between pings; SIGTERM must not wait for it
    /// (systemd's TimeoutStopSec would SIGKILL the daemon first).
    @Test("SIGTERM stops the daemon within 5 s even when the watchdog interval is 15 s")
    func stopIsNotDelayedByWatchdogSleep() async throws {
        let workspace = try await ChildDaemonWorkspace.make(clock: .manual(at: DaemonFixture.epoch), interval: "1s")
        defer { Task { await workspace.tearDown() } }
        let notify = try DatagramSocket(bindingTo: workspace.directory + "/notify")
        defer { notify.closeAndUnlink() }
        let port = try freePort()
        let daemon = try workspace.startDaemon(port: port, notify: notify, environment: ["WATCHDOG_USEC": "30000000"])
        var messages: [String] = []
        #expect(await eventually {
            messages += notify.queuedMessages()
            return messages.contains("WATCHDOG=1")
        }, "\(daemon.output)")
        let started = ContinuousClock.now
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output)")
        #expect(started.duration(to: .now) < .seconds(5))
    }
}

extension ChildDaemonWorkspace {
    /// The daemon binary on this workspace with logfmt logs, telling `notify` what systemd would
    /// hear (`environment` adds to NOTIFY_SOCKET and the fixture's password).
    func startDaemon(port: Int, notify: DatagramSocket, environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(
            executable: "backup-exporter", arguments: arguments(port: port) + ["--log.format", "logfmt"],
            environment: ["NOTIFY_SOCKET": notify.path, "INET_PASSWORD": DaemonFixture.password].merging(environment) { $1 },
            directory: directory)
    }
}
