import Adapters
import BackupModel
import Daemon
import Exposition
import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// Every fault a vendor can show, against one daemon watching all five simulated vendors: the
/// faulted vendor's targets go down with the right reason within interval + timeout and keep their
/// jobs' last values, every other target keeps polling, the watchdog's health check holds, memory
/// stays bounded, and the target recovers on the next poll once the fault clears.
///
/// CI runs each fault once, on a vendor chosen in rotation (13 cells); `FULL_FAULT_MATRIX=1` runs
/// every vendor × fault (65 cells, about three minutes).
@Suite("Fault matrix", .serialized)
struct FaultMatrixTests {
    struct Cell: Sendable, CustomStringConvertible {
        var name: String
        var fault: Fault
        var reason: FailureReason
        var description: String { name }
    }

    static let faults: [Cell] = [
        Cell(name: "HTTP 500", fault: .status(500), reason: .http),
        Cell(name: "HTTP 503", fault: .status(503), reason: .http),
        Cell(name: "HTTP 429 with Retry-After", fault: .status(429), reason: .http),
        Cell(name: "401 forever", fault: .status(401), reason: .auth),
        Cell(name: "HTTP 403", fault: .status(403), reason: .auth),
        Cell(name: "malformed body", fault: .malformedBody, reason: .decode),
        Cell(name: "truncated body", fault: .truncatedBody, reason: .decode),
        Cell(name: "wrong content type (an HTML page)", fault: .wrongContentType, reason: .decode),
        Cell(name: "100 MB body", fault: .hugeBody(100_000_000), reason: .decode),
        Cell(name: "connection dropped without an answer", fault: .dropConnection, reason: .connect),
        Cell(name: "connection reset mid-body", fault: .resetMidBody, reason: .decode),
        Cell(name: "hang without an answer", fault: .hang, reason: .timeout),
        Cell(name: "slow drip of bytes", fault: .slowDrip, reason: .timeout),
    ]

    static let vendors: [Vendor] = [.inet, .veeamM365, .unitrends, .commvault, .eclypse]

    /// The demo config's `defaults:` as `SuiteDaemon` writes them.
    static let interval = 0.3
    static let timeout = 1.0
    /// What the README promises: a fault shows within interval + timeout (the next poll starts
    /// within one interval and ends within the timeout), and so does the recovery (the poll in
    /// flight ends within the timeout, the next one starts within one interval). Plus this much
    /// slack, stated: the 50 ms step at which the test reads /metrics, the timer's 10 ms leeway,
    /// and two cores shared with other tests.
    static let schedulingSlack = 0.5
    static var bound: Double { interval + timeout + schedulingSlack }

    static var cells: [(Vendor, Cell)] {
        if ProcessInfo.processInfo.environment["FULL_FAULT_MATRIX"] == "1" {
            return vendors.flatMap { vendor in faults.map { (vendor, $0) } }
        }
        return faults.enumerated().map { (vendors[$0.offset % vendors.count], $0.element) }
    }

    @Test("every fault marks only its vendor's targets down with the right reason, and they recover")
    func faultMatrix() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        var failures: [String] = []
        for (vendor, cell) in Self.cells {
            if let failure = await world.run(cell, on: vendor) { failures.append(failure) }
        }
        #expect(failures == [])
    }

    @Test("an unresolvable host and a refused connection are connect failures; one 401 is survived")
    func configuredNetworkFaults() async throws {
        let world = try await World.start(extraTargets: """
              - name: no-such-host
                vendor: inet
                url: http://backup.invalid:9900
                auth: { token: whatever }
              - name: nothing-listens
                vendor: unitrends
                url: http://127.0.0.1:\(try freePort())
                auth: { username: u, password: p }
            """)
        defer { Task { await world.stop() } }
        let page = await world.fixture.waitForMetrics {
            ($0.value("backup_target_poll_errors_total", ["target": "no-such-host", "reason": "connect"]) ?? 0) >= 1
                && ($0.value("backup_target_poll_errors_total", ["target": "nothing-listens", "reason": "connect"]) ?? 0) >= 1
        }
        #expect((page.value("backup_target_poll_errors_total", ["target": "no-such-host", "reason": "connect"]) ?? 0) >= 1)
        #expect((page.value("backup_target_poll_errors_total", ["target": "nothing-listens", "reason": "connect"]) ?? 0) >= 1)

        // One 401 on a session vendor is a token renewal, not an outage.
        world.suite.veeamM365.faults.set(.unauthorizedTimes(1))
        let polls = page.value("backup_target_polls_total", ["target": "m365-prod"]) ?? 0
        let after = await world.fixture.waitForMetrics { ($0.value("backup_target_polls_total", ["target": "m365-prod"]) ?? 0) >= polls + 3 }
        #expect(after.value("backup_target_up", ["target": "m365-prod"]) == 1)
    }

    /// The daemon and the five simulators, on loopback.
    final class World: Sendable {
        let suite: SimulatorSuite
        let fixture: SuiteDaemon

        private init(suite: SimulatorSuite, fixture: SuiteDaemon) {
            self.suite = suite
            self.fixture = fixture
        }

        static func start(extraTargets: String = "") async throws -> World {
            let suite = try await SimulatorSuite.start()
            let fixture = try await SuiteDaemon(suite: suite, extraTargets: extraTargets)
            _ = await fixture.waitForMetrics(timeout: 20) { page in
                suite.targetNames.allSatisfy { page.value("backup_target_up", ["target": $0]) == 1 }
            }
            return World(suite: suite, fixture: fixture)
        }

        func stop() async {
            await fixture.tearDown()
            await suite.stop()
        }

        /// Runs one cell; returns a description of what went wrong, or nil.
        func run(_ cell: FaultMatrixTests.Cell, on vendor: Vendor) async -> String? {
            let label = "\(vendor.rawValue) × \(cell.name)"
            let faulted = suite.targetNames(of: vendor)
            let others = suite.targetNames.filter { !faulted.contains($0) }
            let before = await fixture.metrics()
            let rssBefore = ProcessStats.current()?.residentBytes ?? 0
            guard let simulator = suite.simulator(for: vendor) else { return "\(label): no simulator" }
            simulator.faults.set(cell.fault)
            defer { simulator.faults.set(nil) }
            let faultStart = ContinuousClock.now

            // Waits longer than the bound only to report how late it was.
            let down = await fixture.waitForMetrics(timeout: 8) { page in
                faulted.allSatisfy { target in
                    page.value("backup_target_up", ["target": target]) == 0
                        && (page.value("backup_target_poll_errors_total", ["target": target, "reason": cell.reason.rawValue]) ?? 0)
                        > (before.value("backup_target_poll_errors_total", ["target": target, "reason": cell.reason.rawValue]) ?? 0)
                }
            }
            let downAfter = Self.seconds(since: faultStart)
            var problems: [String] = []
            if downAfter > FaultMatrixTests.bound {
                problems.append("down after \(Self.text(downAfter)) s, more than interval + timeout + slack = \(Self.text(FaultMatrixTests.bound)) s")
            }
            for target in faulted {
                if down.value("backup_target_up", ["target": target]) != 0 { problems.append("\(target) not down") }
                let reasons = FailureReason.allCases.filter {
                    (down.value("backup_target_poll_errors_total", ["target": target, "reason": $0.rawValue]) ?? 0)
                        > (before.value("backup_target_poll_errors_total", ["target": target, "reason": $0.rawValue]) ?? 0)
                }.map(\.rawValue)
                if !reasons.contains(cell.reason.rawValue) { problems.append("\(target) reasons \(reasons), expected \(cell.reason.rawValue)") }
                if down.value("backup_target_jobs", ["target": target]) != before.value("backup_target_jobs", ["target": target]) {
                    problems.append("\(target) lost its jobs")
                }
            }
            // The faulted targets can go down before an interval has passed (a poll may start just
            // after the fault is set), so the others are given the same bound from the fault's
            // start to show a poll of their own.
            let othersPage = await fixture.waitForMetrics(timeout: max(0.05, FaultMatrixTests.bound - Self.seconds(since: faultStart))) { page in
                others.allSatisfy { target in
                    (page.value("backup_target_polls_total", ["target": target]) ?? 0)
                        > (before.value("backup_target_polls_total", ["target": target]) ?? 0)
                }
            }
            for target in others {
                let polled = (othersPage.value("backup_target_polls_total", ["target": target]) ?? 0)
                    - (before.value("backup_target_polls_total", ["target": target]) ?? 0)
                if polled < 1 { problems.append("\(target) stopped polling") }
                if othersPage.value("backup_target_up", ["target": target]) != 1 { problems.append("\(target) went down too") }
            }
            if !(await fixture.daemon.isHealthy()) { problems.append("watchdog health check failed") }
            let rssAfter = ProcessStats.current()?.residentBytes ?? 0
            if rssAfter - rssBefore > 256 * 1_048_576 { problems.append("RSS grew by \(Int((rssAfter - rssBefore) / 1_048_576)) MiB") }

            simulator.faults.set(nil)
            let clearStart = ContinuousClock.now
            let recovered = await fixture.waitForMetrics(timeout: 8) { page in
                faulted.allSatisfy { page.value("backup_target_up", ["target": $0]) == 1 }
            }
            // Within interval + timeout is the next poll: the one in flight ends within the timeout,
            // the next starts within an interval.
            let recoveredAfter = Self.seconds(since: clearStart)
            if !faulted.allSatisfy({ recovered.value("backup_target_up", ["target": $0]) == 1 }) { problems.append("did not recover") }
            if recoveredAfter > FaultMatrixTests.bound {
                problems.append("recovered after \(Self.text(recoveredAfter)) s, more than interval + timeout + slack = \(Self.text(FaultMatrixTests.bound)) s")
            }
            return problems.isEmpty ? nil : "\(label): " + problems.joined(separator: "; ")
        }

        static func seconds(since start: ContinuousClock.Instant) -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }

        static func text(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
    }
}

/// A daemon in this process watching a `SimulatorSuite` with the demo's targets, polled fast.
final class SuiteDaemon: @unchecked Sendable {
    let directory: String
    let daemon: Daemon
    let client = VendorHTTPClient()

    init(suite: SimulatorSuite, extraTargets: String) async throws {
        directory = try TemporaryDirectory.kept()
        let tokenFile = directory + "/inet.token"
        try Data(SimulatorSuite.inetToken.utf8).write(to: URL(fileURLWithPath: tokenFile))
        let config = suite.demoConfig(tokenFile: tokenFile, interval: "\(Int(FaultMatrixTests.interval * 1000))ms",
                                      timeout: "\(Int(FaultMatrixTests.timeout * 1000))ms", jitter: "0%") + extraTargets
        try config.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        daemon = try DaemonFixture.makeDaemon(options: DaemonFixture.options(directory: directory),
                            environment: ["DEMO_INET_PASSWORD": SimulatorSuite.inetPassword],
                            client: client, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await daemon.start()
    }

    func metrics() async -> MetricsPage {
        guard let port = await daemon.boundPort else { return MetricsPage("") }
        return MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "")
    }

    func waitForMetrics(timeout: Double = 10, _ condition: @escaping (MetricsPage) -> Bool) async -> MetricsPage {
        await MetricsPage.waitFor(timeout: timeout, from: metrics, until: condition)
    }

    func tearDown() async {
        await daemon.stop()
        try? await client.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension SimulatorSuite {
    /// The demo config's targets that should be up (all but the one with a wrong password).
    var targetNames: [String] { Vendor.allCases.flatMap(targetNames(of:)) }

    func targetNames(of vendor: Vendor) -> [String] {
        switch vendor {
        case .inet: ["inet-pdfc", "inet-cowork-basic"]
        case .veeamM365: ["m365-prod", "m365-legacy-v6"]
        case .unitrends: ["unitrends-appliance", "unitrends-no-active-jobs"]
        case .commvault: ["commvault-commserve", "commvault-xml"]
        case .eclypse: ["eclypse-ahu", "eclypse-legacy-xml"]
        }
    }

    func simulator(for vendor: Vendor) -> VendorSimulator? {
        all.first { $0.vendor == vendor.rawValue }
    }
}
