import Adapters
import AsyncHTTPClient
import BackupModel
import Daemon
import Exposition
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Simulator
import StateStore
import Systemd
import TestSupport

/// A daemon in this process polling a simulated i-net server on loopback, both on ephemeral
/// ports, with the simulator's clock in the test's hands.
final class DaemonFixture: @unchecked Sendable {
    static let token = "fixture-secret-token-9f3c"
    static let password = "fixture-secret-password-71ab"
    static let epoch: Double = 1_800_000_000

    /// One job: waits 10 s, runs 100 s, rests 10 s; every run succeeds.
    static let nightly = ScriptedJob(id: "def-nightly", name: "Nightly \"DS\"", waitSeconds: 10, runSeconds: 100, restSeconds: 10,
                                     outcomes: [.succeeded], sizeBytes: 4096)

    let directory: String
    let clock: SimulatorClock
    var simulator: VendorSimulator
    var daemon: Daemon
    let client: VendorHTTPClient

    var configPath: String { directory + "/config.yaml" }
    var storagePath: String { directory + "/state" }

    /// `plainPageBudget` 0 serves every plain scrape by inflating the kept page's pieces, as a
    /// page past the budget is (the default keeps a small page plain too).
    init(jobs: [ScriptedJob] = [DaemonFixture.nightly], interval: String = "200ms",
         plainPageBudget: Int = StorePage.defaultPlainBudget) async throws {
        directory = try TemporaryDirectory.kept()
        clock = SimulatorClock.manual(at: Self.epoch + 1)
        simulator = try await Self.startSimulator(jobs: jobs, clock: clock)
        client = VendorHTTPClient()
        try Data((Self.token + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        try Self.config(url: simulator.baseURL, interval: interval).write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        var options = Self.options(directory: directory)
        options.plainPageBudget = plainPageBudget
        daemon = try DaemonFixture.makeDaemon(options: options, environment: ["INET_PASSWORD": Self.password],
                            client: client, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await daemon.start()
    }

    /// A daemon as `DaemonMain` builds one, minus the service group: the test starts and stops it.
    static func makeDaemon(options: DaemonOptions, environment: [String: String], client: VendorHTTPClient,
                           notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) throws -> Daemon {
        let store = try StateStore(directory: options.storagePath, build: options.build)
        return Daemon(options: options, environment: environment, store: store, client: client, notifier: notifier, logger: logger)
    }

    static func startSimulator(jobs: [ScriptedJob], clock: SimulatorClock, port: Int = 0) async throws -> VendorSimulator {
        let inet = InetSimulator(jobs: jobs, credentials: .init(token: token, username: "monitor", password: password),
                                 clock: clock, epoch: epoch)
        return try await VendorSimulator.start(vendor: "inet", port: port) { await inet.handle($0) }
    }

    static func options(directory: String) -> DaemonOptions {
        DaemonOptions(configPath: directory + "/config.yaml", listenAddress: ListenAddress(host: "127.0.0.1", port: 0),
                      storagePath: directory + "/state", build: BuildInfo(version: "test", swiftVersion: "6"), shutdownGrace: 1)
    }

    static func config(url: String, interval: String, extraTargets: String = "") -> String {
        """
        defaults:
          interval: \(interval)
          timeout: 1s
          jitter: 0%
        targets:
          - name: pdfc
            vendor: inet
            url: \(url)
            auth:
              token_file: token
          - name: cowork
            vendor: inet
            url: \(url)
            auth:
              username: monitor
              password_env: INET_PASSWORD
        \(extraTargets)
        """
    }

    /// Replaces the config file (for reload tests).
    func writeConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var baseURL: String {
        get async { "http://127.0.0.1:\(await daemon.boundPort ?? 0)" }
    }

    func get(_ path: String, method: HTTPMethod = .GET, accept: String? = nil) async throws -> (status: Int, contentType: String, body: String) {
        var request = HTTPClientRequest(url: await baseURL + path)
        request.method = method
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let response = try await scrapeClient.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", String(buffer: body))
    }

    func metrics() async -> MetricsPage {
        MetricsPage((try? await get("/metrics").body) ?? "")
    }

    /// Waits until the page satisfies `condition`; returns the last page either way.
    func waitForMetrics(timeout: Double = 10, _ condition: @escaping (MetricsPage) -> Bool) async -> MetricsPage {
        await MetricsPage.waitFor(timeout: timeout, from: metrics, until: condition)
    }

    /// Stops the current daemon and starts a new one on the same state directory.
    func restartDaemon() async throws {
        await daemon.stop()
        daemon = try DaemonFixture.makeDaemon(options: Self.options(directory: directory), environment: ["INET_PASSWORD": Self.password],
                            client: client, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await daemon.start()
    }

    func tearDown() async {
        await daemon.stop()
        await simulator.stop()
        try? await client.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A temp directory holding a token and a config for a simulated i-net server: what a test needs
/// to run the daemon binary as a child process.
struct ChildDaemonWorkspace {
    let directory: String
    let simulator: VendorSimulator

    /// The fixture's two targets (the second needs `INET_PASSWORD` in the child's environment).
    static func make(clock: SimulatorClock, interval: String) async throws -> ChildDaemonWorkspace {
        try await make(clock: clock, jobs: [DaemonFixture.nightly]) { DaemonFixture.config(url: $0, interval: interval) }
    }

    /// `config` gets the simulator's base URL; a token file named `token` is next to it.
    static func make(clock: SimulatorClock, jobs: [ScriptedJob], config: (String) -> String) async throws -> ChildDaemonWorkspace {
        let directory = try TemporaryDirectory.kept()
        let simulator = try await DaemonFixture.startSimulator(jobs: jobs, clock: clock)
        try Data(DaemonFixture.token.utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        try config(simulator.baseURL).write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        return ChildDaemonWorkspace(directory: directory, simulator: simulator)
    }

    /// One i-net target with the token file, polled every 100 ms: the crash and storage tests.
    static func oneTarget(url: String) -> String {
        """
        defaults: { interval: 100ms, timeout: 1s, jitter: 0% }
        targets:
          - name: pdfc
            vendor: inet
            url: \(url)
            auth: { token_file: token }
        """
    }

    var stateDirectory: String { directory + "/state" }

    func arguments(port: Int) -> [String] {
        ["--config.file", directory + "/config.yaml", "--storage.path", stateDirectory,
         "--web.listen-address", "127.0.0.1:\(port)"]
    }

    func tearDown() async {
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
