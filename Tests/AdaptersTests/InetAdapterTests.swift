@testable import Adapters
import BackupModel
import ExporterConfig
import Simulator
import Testing

/// The i-net adapter against the simulated server over a real socket: auth, the listing calls,
/// options, and a job moving through its states as the simulator's clock advances.
@Suite("i-net adapter against the simulator")
struct InetAdapterTests {
    typealias Sim = InetSimulation
    static let epoch = InetSimulation.epoch

    @Test("a Bearer token is accepted")
    func bearer() async throws {
        try await Sim.run { sim in
            try await withHTTPClient { client in
                let jobs = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                #expect(jobs.map(\.id) == ["def-nightly", "def-mail"])
            }
        }
    }

    @Test("HTTP Basic with username and password is accepted")
    func basic() async throws {
        try await Sim.run { sim in
            try await withHTTPClient { client in
                let target = TestTargets.target(url: sim.baseURL, auth: TestTargets.basicAuth)
                let jobs = try await TestTargets.adapter(target, client: client).poll()
                #expect(jobs.map(\.id) == ["def-nightly", "def-mail"])
            }
        }
    }

    @Test("a wrong token, a wrong password or none at all is an auth failure on the first call, without the secret in the message",
          arguments: [
              (AuthConfiguration(token: Secret("wrong-SECRET-token")), "wrong-SECRET-token"),
              (AuthConfiguration(username: TestSecrets.username, password: Secret("wrong-SECRET-pw")), "wrong-SECRET-pw"),
              (AuthConfiguration(), ""),
          ])
    func refusedCredentials(auth: AuthConfiguration, secret: String) async throws {
        try await Sim.run { sim in
            try await withHTTPClient { client in
                let error = await pollError(try TestTargets.adapter(TestTargets.target(url: sim.baseURL, auth: auth), client: client))
                #expect(error == PollError(.auth, "GET /api/backup/definitions: HTTP 401"))
                #expect(secret.isEmpty || error?.description.contains(secret) == false)
            }
        }
    }

    @Test("a run goes waiting, running with rising progress, succeeded; the next run comes first with stable ids")
    func lifecycle() async throws {
        try await Sim.run(jobs: [Sim.nightly]) { sim in
            try await withHTTPClient { client in
                let adapter = try TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client)
                let epoch = Self.epoch

                // The simulator reports two tasks at 1.2× and 0.8× the run's progress: their mean is it.
                let waiting = ObservedRun(id: "def-nightly-run-0", state: .waiting, progressPercent: 0, startTime: epoch,
                                          vendorStatus: "waiting")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [waiting])])

                sim.clock.set(epoch + 35)
                let early = ObservedRun(id: "def-nightly-run-0", state: .running, progressPercent: 25, startTime: epoch + 10,
                                        sizeBytes: 250_000, vendorStatus: "running")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [early])])

                sim.clock.set(epoch + 70)
                let later = ObservedRun(id: "def-nightly-run-0", state: .running, progressPercent: 60, startTime: epoch + 10,
                                        sizeBytes: 600_000, vendorStatus: "running")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [later])])

                sim.clock.set(epoch + 115)
                let succeeded = ObservedRun(id: "def-nightly-run-0", state: .succeeded, progressPercent: 100, startTime: epoch + 10,
                                            endTime: epoch + 110, durationSeconds: 100, sizeBytes: 1_000_000, vendorStatus: "finished")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [succeeded])])

                sim.clock.set(epoch + 125)
                let next = ObservedRun(id: "def-nightly-run-1", state: .waiting, progressPercent: 0, startTime: epoch + 120,
                                       vendorStatus: "waiting")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [next, succeeded])])

                // The second run warns: errors reported, half the content written.
                sim.clock.set(epoch + 245)
                let third = ObservedRun(id: "def-nightly-run-2", state: .waiting, progressPercent: 0, startTime: epoch + 240,
                                        vendorStatus: "waiting")
                // A warned run reports no task progress, so it has none of its own (the model reads
                // 100 for a warned run); its task error is the vendor message.
                let warned = ObservedRun(id: "def-nightly-run-1", state: .warning, progressPercent: nil, startTime: epoch + 130,
                                         endTime: epoch + 230, durationSeconds: 100, sizeBytes: 500_000,
                                         vendorStatus: "finished+errors", vendorMessage: "mail: 3 items could not be read")
                #expect(try await adapter.poll() == [ObservedJob(id: "def-nightly", name: "Nightly files", runs: [third, warned, succeeded])])
            }
        }
    }

    @Test("a failed run with no content written is failed")
    func failedRun() async throws {
        try await Sim.run(jobs: [Sim.mail], at: 70) { sim in
            try await withHTTPClient { client in
                let jobs = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                // created at epoch+5, started +20, ended +40 later. The database task stopped at 37.5 %,
                // the mail task finished: the failed run reached (37.5 + 100) / 2, not 100.
                let failed = ObservedRun(id: "def-mail-run-0", state: .failed, progressPercent: 68.75, startTime: Self.epoch + 25,
                                         endTime: Self.epoch + 65, durationSeconds: 40, sizeBytes: 0, vendorStatus: "finished+errors",
                                         vendorMessage: "database: target volume not writable")
                #expect(jobs == [ObservedJob(id: "def-mail", name: "Mail \"archive\"", runs: [failed])])
            }
        }
    }

    @Test("options.definitions skips the listing call and watches only those definitions")
    func fixedDefinitions() async throws {
        try await Sim.run(at: 35) { sim in
            try await withHTTPClient { client in
                let options = try TestTargets.options("definitions: [def-mail]")
                let target = TestTargets.target(url: sim.baseURL, options: options)
                let jobs = try await TestTargets.adapter(target, client: client).poll()
                // The name comes from the result, as there was no listing to take it from.
                #expect(jobs.map(\.id) == ["def-mail"])
                #expect(jobs.map(\.name) == ["Mail \"archive\""])
                #expect(await sim.requests.paths == [
                    "/api/backup/definitions/def-mail/results",
                    "/api/backup/definitions/def-mail/results/def-mail-run-0",
                ])
            }
        }
    }

    @Test("without options the definitions are listed first, then each one's results and details")
    func listingCalls() async throws {
        try await Sim.run(at: 35) { sim in
            try await withHTTPClient { client in
                _ = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                #expect(await sim.requests.paths == [
                    "/api/backup/definitions",
                    "/api/backup/definitions/def-nightly/results",
                    "/api/backup/definitions/def-nightly/results/def-nightly-run-0",
                    "/api/backup/definitions/def-mail/results",
                    "/api/backup/definitions/def-mail/results/def-mail-run-0",
                ])
            }
        }
    }

    @Test("a definition with no results yet is a job without runs, named from the listing")
    func definitionWithoutResults() async throws {
        // The mail job's first cycle begins 5 s after the epoch.
        try await Sim.run(at: 1) { sim in
            try await withHTTPClient { client in
                let jobs = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                #expect(jobs.last == ObservedJob(id: "def-mail", name: "Mail \"archive\"", runs: []))
            }
        }
    }

    @Test("results_per_definition reports the newest results; created is read once per result, then remembered")
    func resultsPerDefinition() async throws {
        // Five cycles of the nightly job have begun at epoch + 481.
        try await Sim.run(jobs: [Sim.nightly], at: 481) { sim in
            try await withHTTPClient { client in
                let options = try TestTargets.options("results_per_definition: 2")
                let target = TestTargets.target(url: sim.baseURL, options: options)
                let adapter = try TestTargets.adapter(target, client: client)
                let jobs = try await adapter.poll()
                #expect(jobs.map { $0.runs.map(\.id) } == [["def-nightly-run-4", "def-nightly-run-3"]])
                // The list is ids only and its order is undocumented: every result is read once to
                // learn its created time.
                #expect(await sim.requests.paths.filter { $0.contains("/results/") } == (0...4).map {
                    "/api/backup/definitions/def-nightly/results/def-nightly-run-\($0)"
                })
                // Next poll: only the newest two are read again (their state may have moved on).
                await sim.requests.reset()
                sim.clock.advance(by: 120)
                #expect(try await adapter.poll().map { $0.runs.map(\.id) } == [["def-nightly-run-5", "def-nightly-run-4"]])
                #expect(await sim.requests.paths.filter { $0.contains("/results/") } == [
                    "/api/backup/definitions/def-nightly/results/def-nightly-run-5",
                    "/api/backup/definitions/def-nightly/results/def-nightly-run-4",
                ])
            }
        }
    }

    @Test("a definition listing its results newest first gives the same jobs as one listing them oldest first",
          arguments: [false, true])
    func listOrder(asObjects: Bool) async throws {
        var seen: [[ObservedJob]] = []
        for newestFirst: Set<String> in [[], [Sim.nightly.id]] {
            seen.append(try await Sim.run(jobs: [Sim.nightly], at: 7 * 120 + 1, listResultsAsObjects: asObjects,
                                          newestFirstDefinitions: newestFirst) { sim in
                try await withHTTPClient { client in
                    let options = try TestTargets.options("results_per_definition: 3")
                    return try await TestTargets.adapter(TestTargets.target(url: sim.baseURL, options: options), client: client).poll()
                }
            })
        }
        #expect(seen[0].map { $0.runs.map(\.id) } == [(5...7).reversed().map { "def-nightly-run-\($0)" }])
        #expect(seen[1] == seen[0])
    }

    @Test("five results are read per definition by default")
    func defaultResultsPerDefinition() async throws {
        try await Sim.run(jobs: [Sim.nightly], at: 7 * 120 + 1) { sim in
            try await withHTTPClient { client in
                let jobs = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                #expect(jobs.map { $0.runs.map(\.id) } == [(3...7).reversed().map { "def-nightly-run-\($0)" }])
            }
        }
    }

    @Test("results listed as ids and as full objects give identical jobs, the latter without detail calls",
          arguments: [35.0, 70.0, 125.0, 245.0, 481.0])
    func listShapes(at offset: Double) async throws {
        let asIDs = try await Sim.run(at: offset, listResultsAsObjects: false) { sim in
            try await withHTTPClient { client in
                try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
            }
        }
        let (asObjects, paths) = try await Sim.run(at: offset, listResultsAsObjects: true) { sim in
            try await withHTTPClient { client in
                let jobs = try await TestTargets.adapter(TestTargets.target(url: sim.baseURL), client: client).poll()
                return (jobs, await sim.requests.paths)
            }
        }
        #expect(asObjects == asIDs)
        #expect(!asIDs.flatMap(\.runs).isEmpty)
        #expect(paths == [
            "/api/backup/definitions",
            "/api/backup/definitions/def-nightly/results",
            "/api/backup/definitions/def-mail/results",
        ])
    }
}
