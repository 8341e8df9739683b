import Adapters
import BackupModel
import ExporterConfig

/// A target as the scheduler runs it: its configuration and the adapter built from it.
struct ScheduledTarget: Sendable {
    var configuration: TargetConfiguration
    var adapter: any VendorAdapter
    var jobFilter: JobFilter
    var unmatchedEntries: UnmatchedJobEntries

    var name: String { configuration.name }

    /// One poll under the target's overall deadline, filtered to the configured `jobs:`, and how
    /// long it took: the step the daemon's timers and `poll-once` share.
    func pollOnce() async -> (result: Result<[ObservedJob], PollError>, duration: Double) {
        let adapter = self.adapter
        let started = ContinuousClock.now
        var result = await PollDeadline.run(seconds: max(configuration.timeout, configuration.interval)) { () async throws(PollError) in
            try await adapter.poll()
        }
        if case .success(let jobs) = result, !jobFilter.selectsEverything {
            let (selected, unmatched) = jobFilter.apply(jobs)
            result = .success(selected)
            unmatchedEntries.report(unmatched)
        }
        let elapsed = started.duration(to: .now)
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
