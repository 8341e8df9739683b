import Foundation
import Simulator
import TestSupport
import Testing

/// `--web.systemd-socket` under `systemd-socket-activate`, which does what systemd does for a
/// `.socket` unit: binds and listens, then starts the daemon with the socket as fd 3 and
/// `LISTEN_FDS`/`LISTEN_PID` set. (Restarts with zero refused scrapes need systemd itself to hold
/// the socket; the system test shows those under a real systemd.)
@Suite("Socket activation")
struct SocketActivationTests {
    static let activator = "/usr/bin/systemd-socket-activate"

    @Test("a request sent before the daemon exists waits on the socket and is answered by the daemon it starts")
    func servesThePassedSocket() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.activator), "systemd-socket-activate (Debian's systemd) is needed")
        let workspace = try await ChildDaemonWorkspace.make(
            clock: .manual(at: DaemonFixture.epoch), jobs: [DaemonFixture.nightly], config: ChildDaemonWorkspace.oneTarget)
        defer { Task { await workspace.tearDown() } }
        let port = try freePort()
        // No --web.listen-address: the daemon must not bind anything of its own.
        let daemonArguments = ["--config.file", workspace.directory + "/config.yaml", "--storage.path", workspace.stateDirectory,
                               "--log.format", "logfmt", "--web.systemd-socket"]
        let activated = try ChildProcess(
            program: URL(fileURLWithPath: Self.activator),
            arguments: ["-l", "127.0.0.1:\(port)", ChildProcess.productURL("backup-exporter").path] + daemonArguments,
            directory: workspace.directory)
        defer { Task { await activated.kill9() } }
        // The activator starts the daemon on the first connection: this request is that connection.
        let answered = await eventually(timeout: 15) {
            MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "").value("backup_exporter_build_info") == 1
        }
        #expect(answered, "no answer on the passed socket: \(activated.output)")
        #expect(activated.output.contains("msg=listening"))
        #expect(activated.output.contains("systemd_socket=true"))
        // The port it served is the activator's: the daemon's own default (:9871) stayed unbound.
        #expect(!activated.output.contains("9871"))
    }

    @Test("--web.systemd-socket without a socket from systemd fails at start and says how to start it")
    func refusesWithoutPassedSockets() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ChildDaemonWorkspace.oneTarget(url: "http://127.0.0.1:9").write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        try Data("t".utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        let daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: ["--config.file", directory + "/config.yaml", "--storage.path", directory + "/state", "--web.systemd-socket",
                        "--log.format", "logfmt"],
            directory: directory)
        defer { Task { await daemon.kill9() } }
        let status = await daemon.waitForExit(timeout: 15)
        #expect(status != nil && status != 0)
        #expect(daemon.output.contains("systemd passed no socket (LISTEN_FDS)"), "\(daemon.output)")
    }
}
