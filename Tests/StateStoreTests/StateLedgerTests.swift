import BackupModel
import Testing

@testable import StateStore

/// The store's rules on their own, no database: what is news, what is counted, what is marked
/// for writing.
@Suite("State ledger: the rules without SQLite")
struct StateLedgerTests {
    func ledger(_ targets: [TargetIdentity] = [nas]) -> StateLedger {
        var ledger = StateLedger()
        ledger.configured = targets
        for target in targets { ledger.records[target.name] = TargetRecord() }
        return ledger
    }

    @Test("a target is announced down once, up once on recovery, and never up on its first success since start")
    func targetTransitions() {
        var ledger = ledger()
        let error = PollError(.auth, "HTTP 401 on POST /api/login")
        let first = ledger.pollSucceeded(target: "nas", jobs: [], duration: 1, at: 10)
        let down = ledger.pollFailed(target: "nas", error: error, duration: 1, at: 20)
        let stillDown = ledger.pollFailed(target: "nas", error: error, duration: 1, at: 30)
        let up = ledger.pollSucceeded(target: "nas", jobs: [], duration: 1, at: 40)
        #expect(first == [])
        #expect(down == [.targetDown(target: "nas", vendor: .inet, reason: .auth, message: "HTTP 401 on POST /api/login")])
        #expect(stillDown == [])
        #expect(up == [.targetUp(target: "nas", vendor: .inet)])
        #expect(ledger.records["nas"]?.pollErrors[.auth] == 2)
    }

    @Test("an interrupted run that resumes under the same id is counted once, when it completes")
    func resumedRunCountedOnce() {
        var ledger = ledger()
        let states: [JobState] = [.running, .waiting, .running, .succeeded, .succeeded]
        var announced: [JobState] = []
        for (poll, state) in states.enumerated() {
            let job = ObservedJob(id: "2/3/5", name: "WINTER/defaultBackupSet/default", runs: [run("4", state, start: 100)])
            for change in ledger.pollSucceeded(target: "nas", jobs: [job], duration: 1, at: Double(200 + poll)) ?? [] {
                if case .jobState(_, _, _, _, _, _, let to, _, _) = change { announced.append(to) }
            }
        }
        #expect(announced == [.running, .waiting, .running, .succeeded])
        let history = ledger.records["nas"]?.jobs["2/3/5"]?.row.history
        #expect(history?.runsByResult == counts(succeeded: 1))
        // No end time from the vendor: the poll that first saw it finished (the fourth, at 203).
        #expect(history?.lastSuccessTime == 203)
    }

    @Test("a poll that changes nothing marks only the target's last success for writing; a new run marks the job and its count")
    func pendingWrites() {
        var ledger = ledger()
        let job = ObservedJob(id: "j", name: "J", runs: [run("r1", .succeeded, start: 1, end: 2)])
        _ = ledger.pollSucceeded(target: "nas", jobs: [job], duration: 1, at: 10)
        #expect(ledger.pending.jobs == [PendingWrites.JobKey(target: "nas", job: "j")])
        #expect(ledger.pending.countedRuns[PendingWrites.JobKey(target: "nas", job: "j")]?.map(\.runID) == ["r1"])
        ledger.pending = PendingWrites()
        _ = ledger.pollSucceeded(target: "nas", jobs: [job], duration: 1, at: 20)
        #expect(ledger.pending.jobs == [])
        #expect(ledger.pending.targets == ["nas"])
    }

    @Test("a target that is not configured (removed by a reload mid-poll) changes nothing")
    func unconfiguredTargetIgnored() {
        var ledger = ledger()
        let started = ledger.pollStarted(target: "gone")
        let succeeded = ledger.pollSucceeded(target: "gone", jobs: [], duration: 1, at: 1)
        let failed = ledger.pollFailed(target: "gone", error: PollError(.connect, "x"), duration: 1, at: 1)
        #expect(!started)
        #expect(succeeded == nil)
        #expect(failed == nil)
        #expect(ledger.records["gone"] == nil)
    }

    @Test("a job the vendor stops listing is hidden and keeps its history; listed again, it is back with it")
    func unlistedJobKeepsHistory() {
        var ledger = ledger()
        let job = ObservedJob(id: "j", name: "J", runs: [run("r1", .failed, start: 1, end: 2)])
        _ = ledger.pollSucceeded(target: "nas", jobs: [job], duration: 1, at: 10)
        _ = ledger.pollSucceeded(target: "nas", jobs: [], duration: 1, at: 20)
        #expect(ledger.records["nas"]?.jobs["j"]?.row.listed == false)
        _ = ledger.pollSucceeded(target: "nas", jobs: [job], duration: 1, at: 30)
        #expect(ledger.records["nas"]?.jobs["j"]?.row.listed == true)
        #expect(ledger.records["nas"]?.jobs["j"]?.row.history.runsByResult == counts(failed: 1))
        #expect(ledger.records["nas"]?.jobs["j"]?.row.history.firstSeenTime == 10)
    }
}
