@testable import Adapters
import BackupModel
import Foundation
import NIOConcurrencyHelpers
@testable import Simulator
import WebServer

/// A Commvault simulator on a real socket with a manual clock, plus a record of the requests it
/// received (method, URI and the headers the tests look at).
struct CommvaultSimulation: Sendable {
    struct Seen: Sendable, Equatable {
        var method: String
        var uri: String
        var limit: String?
        var offset: String?
        var accept: String?
        var authtoken: String?
    }

    static let start = 1_700_000_000.0
    /// Two subclients with different rhythms; a third, a long way off phase, for filtering.
    static func subclients() -> [CommvaultSimulator.Subclient] {
        [
            .init(schedule: ScriptedJob(id: "fs", name: "fs", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                        outcomes: [.succeeded, .warning, .failed, .cancelled], sizeBytes: 10_485_760_000),
                  clientName: "WINTER", clientId: 2, backupsetId: 3, subclientId: 2),
            .init(schedule: ScriptedJob(id: "sql", name: "sql", waitSeconds: 20, runSeconds: 60, restSeconds: 120,
                                        outcomes: [.succeeded], sizeBytes: 2_147_483_648, phaseOffset: 50),
                  clientName: "SQL01", backupsetName: "SQLINSTANCE", subclientName: "daily", clientId: 5, backupsetId: 11,
                  subclientId: 17, appName: "SQL Server"),
        ]
    }

    let simulator: CommvaultSimulator
    let server: VendorSimulator
    let clock: SimulatorClock
    private let seenBox: NIOLockedValueBox<[Seen]>

    var sessions: CommvaultSessions { simulator.sessions }
    var faults: FaultSwitch { server.faults }
    /// The web service root, as an operator would configure it.
    var url: String { server.baseURL + "/webconsole/api" }
    var seen: [Seen] { seenBox.withLockedValue { $0 } }

    /// Runs `body` against a fresh simulator whose jobs began `history` seconds before the clock.
    static func run<T: Sendable>(history: Double = 2_000, subclients: [CommvaultSimulator.Subclient] = subclients(),
                                 _ body: (CommvaultSimulation) async throws -> T) async throws -> T {
        let clock = SimulatorClock.manual(at: start)
        let simulator = CommvaultSimulator(subclients: subclients, username: CommvaultEclypseHarness.username,
                                           password: CommvaultEclypseHarness.password, clock: clock, epoch: start - history)
        let seen = NIOLockedValueBox<[Seen]>([])
        return try await withVendorSimulator(vendor: "commvault", handler: { request in
            seen.withLockedValue {
                $0.append(Seen(method: request.method.rawValue, uri: request.uri, limit: request.headers.first(name: "limit"),
                               offset: request.headers.first(name: "offset"), accept: request.headers.first(name: "Accept"),
                               authtoken: request.headers.first(name: "Authtoken")))
            }
            return await simulator.handle(request)
        }) { server in
            try await body(CommvaultSimulation(simulator: simulator, server: server, clock: clock, seenBox: seen))
        }
    }

    func clearSeen() { seenBox.withLockedValue { $0.removeAll() } }

    /// What a correct adapter must report at the simulator's current time: the simulator's own
    /// runs inside `lookup` seconds, grouped by subclient, newest first.
    func expectedJobs(lookup: Double = 172_800, errorsAsFailed: Bool = false) -> [ObservedJob] {
        let now = clock.now()
        var jobs: [ObservedJob] = []
        for subclient in simulator.subclients.sorted(by: { $0.jobID < $1.jobID }) {
            let runs = simulator.allRuns(now: now).filter { $0.subclient.jobID == subclient.jobID }
                .filter { $0.run.ended.map { $0 >= now - lookup } ?? true }
                .enumerated().map { expectedRun($1, now: now, errorsAsFailed: errorsAsFailed, newest: $0 == 0) }
            if !runs.isEmpty { jobs.append(ObservedJob(id: subclient.jobID, name: subclient.jobName, runs: runs)) }
        }
        return jobs
    }

    /// The vendor message: `pendingReason` for a run that is not a success, and for the newest run
    /// of a job that failed the `FailureReason` of its AdvancedDetails (which the simulator gives
    /// only a job whose outcome was failed).
    private func expectedRun(_ found: CommvaultSimulator.Found, now: Double, errorsAsFailed: Bool, newest: Bool) -> ObservedRun {
        let run = found.run
        let word = simulator.statusWord(found.subclient, run)
        let state = CommvaultJobSummary.state(for: word, errorsAsFailed: errorsAsFailed)
        let index = simulator.subclients.firstIndex { $0.jobID == found.subclient.jobID } ?? 0
        let started = run.started ?? run.created
        return ObservedRun(
            id: String(simulator.jobNumber(subclientIndex: index, cycle: run.cycle)), state: state, progressPercent: run.progress,
            startTime: started, endTime: state.isFinished ? run.ended : nil,
            durationSeconds: state.isFinished ? (run.ended ?? started) - started : nil,
            sizeBytes: run.sizeBytes, objectCount: (run.sizeBytes / 1_048_576).rounded(.down), vendorStatus: word,
            vendorMessage: VendorMessage.bounded(joining: message(found, state: state, newest: newest)))
    }

    private func message(_ found: CommvaultSimulator.Found, state: JobState, newest: Bool) -> [String] {
        var parts = state == .succeeded ? [] : [simulator.pendingReason(found.subclient, found.run)]
        if newest, state == .failed, found.run.phase == .finished(.failed) {
            parts.append(simulator.failureReason(found.subclient, found.run))
        }
        return parts
    }
}
