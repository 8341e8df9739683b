import Foundation

/// The benchmark's world: `jobs` scripted jobs spread round-robin over `targets` simulated servers,
/// one server per target and the five vendors in turn, plus the daemon config that watches them.
///
/// One server per target (not one per vendor) so that each target sees only its own share of the
/// jobs, as separate appliances would; 10 jobs over 50 targets leaves 40 targets with none, which
/// is still a poll. Every vendor is set up so that one job costs at most one request per poll
/// (i-net lists results as objects, ECLYPSE reads one id per request, Veeam reads one short session
/// page per job, Unitrends and Commvault list everything in one or a few calls) and so that a
/// response's size does not grow with time (short histories): the cost measured is the exporter's,
/// not a history that piles up during the run.
public final class BenchmarkScenario: Sendable {
    public struct Target: Sendable {
        public let name: String
        public let vendor: String
        public let server: VendorSimulator
        /// The ids as the exporter names them (Commvault `client/backupset/subclient`, ...).
        public let jobIDs: [String]
    }

    public static let vendors = ["inet", "veeam_m365", "unitrends", "commvault", "eclypse"]

    public let targets: [Target]
    public let jobCount: Int
    public let clock: SimulatorClock

    private init(targets: [Target], jobCount: Int, clock: SimulatorClock) {
        self.targets = targets
        self.jobCount = jobCount
        self.clock = clock
    }

    /// Starts `targetCount` servers on `host`; `basePort` 0 picks free ports, otherwise target `i`
    /// listens on `basePort + i`.
    public static func start(jobs jobCount: Int, targets targetCount: Int = 50, host: String = "127.0.0.1",
                             basePort: Int = 0, clock: SimulatorClock = .system()) async throws -> BenchmarkScenario {
        let epoch = clock.now() - 100
        var targets: [Target] = []
        for index in 0..<max(1, targetCount) {
            let vendor = vendors[index % vendors.count]
            let scripted = stride(from: index, to: max(0, jobCount), by: max(1, targetCount)).map(job)
            let port = basePort == 0 ? 0 : basePort + index
            let name = "bench-\(vendor)-\(index < 10 ? "0" : "")\(index)"
            let (server, ids) = try await startServer(vendor: vendor, jobs: scripted, host: host, port: port, clock: clock, epoch: epoch)
            targets.append(Target(name: name, vendor: vendor, server: server, jobIDs: ids))
        }
        return BenchmarkScenario(targets: targets, jobCount: jobCount, clock: clock)
    }

    public func stop() async {
        for target in targets { await target.server.stop() }
    }

    /// Job `number` of the scenario: a three-minute cycle whose phase depends on the number, so at
    /// any moment some jobs wait, some run and some have finished, with every outcome in turn.
    static func job(_ number: Int) -> ScriptedJob {
        let outcomes: [ScriptedJob.Outcome] = [.succeeded, .succeeded, .warning, .succeeded, .failed, .cancelled]
        let rotated = Array(outcomes[(number % outcomes.count)...] + outcomes[..<(number % outcomes.count)])
        return ScriptedJob(
            id: String(format: "00000000-0000-4000-8000-%012d", number), name: "bench job \(number)",
            waitSeconds: 10, runSeconds: 90, restSeconds: 80, outcomes: rotated,
            sizeBytes: Double(1_000_000 + number * 4096), phaseOffset: Double(number % 180))
    }

    private static func startServer(vendor: String, jobs: [ScriptedJob], host: String, port: Int, clock: SimulatorClock,
                                    epoch: Double) async throws -> (VendorSimulator, [String]) {
        switch vendor {
        case "inet":
            let simulator = InetSimulator(jobs: jobs, credentials: .init(token: SimulatorSuite.inetToken), clock: clock,
                                          epoch: epoch, historyLimit: 2, listResultsAsObjects: true)
            let server = try await VendorSimulator.start(vendor: vendor, host: host, port: port) { await simulator.handle($0) }
            return (server, jobs.map(\.id))
        case "veeam_m365":
            let simulator = VeeamM365Simulator(
                jobs: jobs, credentials: .init(username: SimulatorSuite.veeamUser, password: SimulatorSuite.veeamPassword),
                clock: clock, epoch: epoch, historyLimit: 2)
            let server = try await VendorSimulator.start(vendor: vendor, host: host, port: port) { await simulator.handle($0) }
            return (server, jobs.map(\.id))
        case "unitrends":
            let assets = jobs.enumerated().map { offset, job in
                let clientID = 100 + offset
                var renamed = job
                renamed.id = "\(clientID)"
                return UnitrendsSimulator.Asset(clientID: clientID, clientName: job.name, job: renamed)
            }
            let simulator = UnitrendsSimulator(
                assets: assets, credentials: .init(username: SimulatorSuite.unitrendsUser, password: SimulatorSuite.unitrendsPassword),
                clock: clock, epoch: epoch, historyLimit: 2)
            let server = try await VendorSimulator.start(vendor: vendor, host: host, port: port) { await simulator.handle($0) }
            return (server, assets.map(\.job.id))
        case "commvault":
            let subclients = jobs.enumerated().map { offset, job in
                CommvaultSimulator.Subclient(schedule: job, clientName: job.name, clientId: 100 + offset, backupsetId: 1, subclientId: 1)
            }
            let simulator = CommvaultSimulator(
                subclients: subclients, username: SimulatorSuite.commvaultUser, password: SimulatorSuite.commvaultPassword,
                clock: clock, epoch: epoch, historyLimit: 2)
            let server = try await VendorSimulator.start(vendor: vendor, host: host, port: port) { await simulator.handle($0) }
            return (server, subclients.map(\.jobID))
        default:
            let simulator = EclypseSimulator(
                jobs: jobs, username: SimulatorSuite.eclypseUser, password: SimulatorSuite.eclypsePassword, clock: clock, epoch: epoch)
            let server = try await VendorSimulator.start(vendor: vendor, host: host, port: port) { await simulator.handle($0) }
            return (server, jobs.map(\.id))
        }
    }

    /// The targets the configs name: all but ECLYPSE servers without a job (fewer jobs than
    /// targets), because an ECLYPSE target must list its job ids.
    public var watchedTargets: [Target] {
        targets.filter { $0.vendor != "eclypse" || !$0.jobIDs.isEmpty }
    }

    /// The daemon config for this scenario: every target polled every `interval`.
    public func daemonConfig(interval: String = "10s") -> String {
        var lines = [
            "# Written by `backup-simulator --scale \(jobCount)`: \(jobCount) jobs over \(targets.count) simulated targets.",
            "defaults:",
            "  interval: \(interval)",
            "  timeout: 8s",
            "  jitter: 100%",
            "targets:",
        ]
        for target in watchedTargets {
            lines.append("  - name: \(target.name)")
            lines.append("    vendor: \(target.vendor)")
            switch target.vendor {
            case "inet":
                lines += ["    url: \(target.server.baseURL)", "    auth: { token: \(SimulatorSuite.inetToken) }",
                          "    options: { results_per_definition: 2 }"]
            case "veeam_m365":
                lines += ["    url: \(target.server.baseURL)",
                          "    auth: { username: \(SimulatorSuite.veeamUser), password: \(SimulatorSuite.veeamPassword) }",
                          "    options: { api_version: v8, sessions_per_job: 2, page_size: 1000 }"]
            case "unitrends":
                lines += ["    url: \(target.server.baseURL)",
                          "    auth: { username: \(SimulatorSuite.unitrendsUser), password: \(SimulatorSuite.unitrendsPassword) }",
                          "    options: { history: 1h, backups_per_job: 2 }"]
            case "commvault":
                lines += ["    url: \(target.server.baseURL)/webconsole/api",
                          "    auth: { username: \(SimulatorSuite.commvaultUser), password: \(SimulatorSuite.commvaultPassword) }",
                          "    options: { lookup_window: 1h, max_jobs: 100000, page_size: 1000 }"]
            default:
                lines += ["    url: \(target.server.baseURL)",
                          "    auth: { username: \(SimulatorSuite.eclypseUser), password: \(SimulatorSuite.eclypsePassword) }",
                          "    options: { api: jobs }"]
                lines.append("    jobs: [\(target.jobIDs.joined(separator: ", "))]")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same targets as JSON, for the Python baseline exporter (which has no YAML parser).
    public func targetsJSON() -> String {
        let entries = watchedTargets.map { target in
            let user: String, password: String
            switch target.vendor {
            case "inet": (user, password) = ("", SimulatorSuite.inetToken)
            case "veeam_m365": (user, password) = (SimulatorSuite.veeamUser, SimulatorSuite.veeamPassword)
            case "unitrends": (user, password) = (SimulatorSuite.unitrendsUser, SimulatorSuite.unitrendsPassword)
            case "commvault": (user, password) = (SimulatorSuite.commvaultUser, SimulatorSuite.commvaultPassword)
            default: (user, password) = (SimulatorSuite.eclypseUser, SimulatorSuite.eclypsePassword)
            }
            let ids = target.jobIDs.map { "\"\($0)\"" }.joined(separator: ",")
            return #"{"name":"\#(target.name)","vendor":"\#(target.vendor)","url":"\#(target.server.baseURL)","user":"\#(user)","secret":"\#(password)","jobs":[\#(ids)]}"#
        }
        return "[\n" + entries.joined(separator: ",\n") + "\n]\n"
    }
}
