import BackupModel
import Exposition
import Foundation

/// Snapshots and helpers shared by the exposition tests.
enum Fixtures {
    /// The scrape time of every fixed page; the running job's duration is measured against it.
    static let now = 1_700_000_100.0

    static let process = ProcessStats(
        cpuSeconds: 12.34, residentBytes: 52_428_800, virtualBytes: 1_234_567_168,
        startTimeSeconds: 1_699_990_000.27, openFDs: 17, maxFDs: 1_048_576)

    /// The snapshot behind `Fixtures/golden.prom`: two polled targets of different vendors (one
    /// up, one down with no success ever), one target never polled, and jobs that succeeded,
    /// run, failed with history, warned, wait, or have no run at all. One job name holds `\`,
    /// `"` and a newline.
    static let golden = ExporterSnapshot(
        targets: [
            TargetSnapshot(
                name: "nas-01", vendor: .inet,
                health: TargetHealth(up: true, lastPollDuration: 1.25, lastPollTime: 1_700_000_000,
                                     lastSuccessTime: 1_700_000_000.5),
                pollsTotal: 42, pollErrors: allReasons([.connect: 1]),
                jobs: [
                    JobSnapshot(
                        id: "101", name: "Exchange \"nightly\" C:\\Data\nweekly",
                        lastRun: ObservedRun(id: "9001", state: .succeeded, progressPercent: 97,
                                             startTime: 1_699_990_000, endTime: 1_699_993_600.75,
                                             sizeBytes: 123_456_789_012, objectCount: 1_234, vendorStatus: "Done"),
                        history: JobHistory(lastSuccessTime: 1_699_993_600.75, lastFailureTime: 1_699_900_000,
                                            runsByResult: [.succeeded: 10, .warning: 2, .failed: 1],
                                            firstSeenTime: 1_699_000_000),
                        maxAgeSeconds: 93_600),
                    JobSnapshot(
                        id: "102", name: "Fileserver",
                        lastRun: ObservedRun(id: "9002", state: .running, progressPercent: 42.5,
                                             startTime: 1_699_999_000),
                        history: JobHistory(lastSuccessTime: 1_699_912_345, runsByResult: [.succeeded: 5])),
                    JobSnapshot(
                        id: "103", name: "SQL", lastRun: nil,
                        history: JobHistory(lastFailureTime: 1_699_800_000, runsByResult: [.failed: 1])),
                ]),
            TargetSnapshot(
                name: "m365-eu", vendor: .veeamM365,
                health: TargetHealth(up: false, reason: .auth, message: "HTTP 401 on /v7/token",
                                     lastPollDuration: 0.031, lastPollTime: 1_700_000_050),
                pollsTotal: 7, pollErrors: allReasons([.auth: 6, .timeout: 1]),
                jobs: [
                    JobSnapshot(
                        id: "a1b2", name: "Mailboxes",
                        lastRun: ObservedRun(id: "s-77", state: .failed, progressPercent: 12,
                                             startTime: 1_699_950_000, endTime: 1_699_950_600,
                                             durationSeconds: 598.5),
                        history: JobHistory(lastSuccessTime: 1_699_860_000, lastFailureTime: 1_699_950_600,
                                            runsByResult: [.succeeded: 4, .failed: 3, .cancelled: 1],
                                            firstSeenTime: 1_699_500_000.25),
                        enabled: true, nextRunTime: 1_700_006_400),
                    JobSnapshot(
                        id: "c3d4", name: "",
                        lastRun: ObservedRun(id: "s-78", state: .waiting),
                        history: JobHistory(), enabled: false),
                    JobSnapshot(
                        id: "e5f6", name: "OneDrive",
                        lastRun: ObservedRun(id: "s-79", state: .warning, startTime: 1_699_940_000,
                                             endTime: 1_699_941_234.5, sizeBytes: 0),
                        history: JobHistory(lastSuccessTime: 1_699_941_234.5, runsByResult: [.warning: 1])),
                ]),
            TargetSnapshot(
                name: "eclypse-lab", vendor: .eclypse, health: TargetHealth(), pollsTotal: 0,
                pollErrors: allReasons([:]), jobs: []),
        ],
        config: ConfigStatus(lastReloadSuccessful: true, lastReloadSuccessTime: 1_699_999_999.125),
        build: BuildInfo(version: "1.2.3", swiftVersion: "6.3.1"),
        stateWriteErrors: 2)

    /// A large page for the validators: `targets` targets of rotating vendors, `jobsPerTarget`
    /// jobs each, rotating through every state and every optional field, with names that need
    /// escaping and non-ASCII text.
    static func big(targets: Int, jobsPerTarget: Int) -> ExporterSnapshot {
        let states = JobState.allCases
        let vendors = Vendor.allCases
        let targetList = (0..<targets).map { t in
            TargetSnapshot(
                name: "target-\(t)", vendor: vendors[t % vendors.count],
                health: TargetHealth(up: t % 2 == 0, reason: t % 2 == 0 ? nil : .connect,
                                     lastPollDuration: Double(t) + 0.125,
                                     lastSuccessTime: t % 3 == 0 ? nil : 1_700_000_000 + Double(t)),
                pollsTotal: UInt64(t * 10), pollErrors: allReasons([.connect: UInt64(t)]),
                jobs: (0..<jobsPerTarget).map { j in
                    let state = states[j % states.count]
                    let start: Double? = j % 5 == 0 ? nil : 1_699_000_000 + Double(j) * 0.5
                    return JobSnapshot(
                        id: "job-\(t)-\(j)", name: "Job \(j) \"quoted\" back\\slash\nline ü",
                        lastRun: j % 11 == 0 ? nil : ObservedRun(
                            id: "run-\(j)", state: state, progressPercent: j % 4 == 0 ? nil : Double(j % 150),
                            startTime: start, endTime: state.isFinished ? start.map { $0 + 60.25 } : nil,
                            sizeBytes: j % 3 == 0 ? nil : Double(j) * 1_048_576),
                        history: JobHistory(lastSuccessTime: j % 2 == 0 ? 1_699_000_000 + Double(j) : nil,
                                            lastFailureTime: j % 3 == 0 ? 1_698_000_000 + Double(j) : nil,
                                            runsByResult: [.succeeded: UInt64(j), .failed: UInt64(j % 7)]))
                })
        }
        return ExporterSnapshot(
            targets: targetList, config: ConfigStatus(lastReloadSuccessful: false, lastReloadSuccessTime: nil),
            build: BuildInfo(version: "0.0.0-dev", swiftVersion: "6.3"))
    }

    static func allReasons(_ counts: [FailureReason: UInt64]) -> [FailureReason: UInt64] {
        Dictionary(uniqueKeysWithValues: FailureReason.allCases.map { ($0, counts[$0] ?? 0) })
    }

    static func text(_ snapshot: ExporterSnapshot, process: ProcessStats? = Fixtures.process,
                     format: ExpositionFormat = .prometheusText) -> String {
        String(decoding: MetricsRenderer.render(snapshot, process: process, now: now, format: format), as: UTF8.self)
    }

    /// A snapshot with one target "t" (inet, up) holding the given jobs.
    static func single(_ jobs: [JobSnapshot], health: TargetHealth = TargetHealth(up: true)) -> ExporterSnapshot {
        ExporterSnapshot(
            targets: [TargetSnapshot(name: "t", vendor: .inet, health: health, pollsTotal: 1,
                                     pollErrors: allReasons([:]), jobs: jobs)],
            config: ConfigStatus(lastReloadSuccessful: true, lastReloadSuccessTime: nil),
            build: BuildInfo(version: "1", swiftVersion: "6"))
    }
}
