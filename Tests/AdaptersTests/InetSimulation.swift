@testable import Adapters
import BackupModel
import Foundation
import Simulator
import WebServer

/// An `InetSimulator` on a real loopback socket with a manual clock, plus a log of the paths it
/// was asked for, so a test can check which calls the adapter made.
struct InetSimulation: Sendable {
    static let epoch = 1_700_000_000.0
    static let credentials = InetSimulator.Credentials(
        token: TestSecrets.token, username: TestSecrets.username, password: TestSecrets.password)

    /// Waits 10 s, runs 100 s (progress rises 1 % a second), rests 10 s: a new run every 120 s.
    /// Outcomes alternate so the second run finishes with a warning.
    static let nightly = ScriptedJob(id: "def-nightly", name: "Nightly files", waitSeconds: 10, runSeconds: 100,
                                     restSeconds: 10, outcomes: [.succeeded, .warning], sizeBytes: 1_000_000)
    static let mail = ScriptedJob(id: "def-mail", name: "Mail \"archive\"", waitSeconds: 20, runSeconds: 40,
                                  restSeconds: 60, outcomes: [.failed], sizeBytes: 2_000_000, phaseOffset: 5)

    let clock: SimulatorClock
    let server: VendorSimulator
    let requests: RequestLog

    var baseURL: String { server.baseURL }
    var faults: FaultSwitch { server.faults }

    /// Starts with the clock at `epoch + offset`; `body` runs before the server stops, also when it throws.
    static func run<Result: Sendable>(
        jobs: [ScriptedJob] = [nightly, mail], at offset: Double = 1, historyLimit: Int = 10,
        listResultsAsObjects: Bool = false, newestFirstDefinitions: Set<String> = [],
        _ body: (InetSimulation) async throws -> Result
    ) async throws -> Result {
        let clock = SimulatorClock.manual(at: epoch + offset)
        let inet = InetSimulator(jobs: jobs, credentials: credentials, clock: clock, epoch: epoch,
                                 historyLimit: historyLimit, listResultsAsObjects: listResultsAsObjects,
                                 newestFirstDefinitions: newestFirstDefinitions)
        let requests = RequestLog()
        return try await withVendorSimulator(vendor: "inet", handler: { request in
            await requests.append(String(request.path))
            return await inet.handle(request)
        }) { server in
            try await body(InetSimulation(clock: clock, server: server, requests: requests))
        }
    }
}

/// The paths a server was asked for, in order.
actor RequestLog {
    private(set) var paths: [String] = []

    func append(_ path: String) { paths.append(path) }

    func reset() { paths = [] }
}
