import Adapters
import BackupModel
import ExporterConfig
import Foundation
import Logging
import StateStore

/// `poll-once`: every target polled once, concurrently, with no server, by the same
/// `TargetPoller.cycle()` the daemon runs (into a throw-away state store), so what it prints is
/// what the daemon would have recorded. For an operator checking credentials and filters.
public enum OneShotPoll {
    public struct Outcome: Sendable {
        public var target: TargetConfiguration
        public var result: Result<[ObservedJob], PollError>
        public var duration: Double
    }

    public static func run(loader: ConfigurationLoader, client: VendorHTTPClient, logger: Logger) async throws -> [Outcome] {
        let (_, targets) = try loader.load(client: client, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-exporter-poll-once-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, build: BuildInfo(version: "poll-once", swiftVersion: ""))
        await store.configure(targets: targets.map { TargetIdentity(name: $0.configuration.name, vendor: $0.configuration.vendor) })
        let events = EventLog(logger: logger)
        let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask {
                    let poller = TargetPoller(configuration: target.configuration, adapter: target.adapter, store: store,
                                              events: events, logger: logger)
                    let outcome = await poller.cycle()
                    await poller.stop()
                    return (index, Outcome(
                        target: target.configuration,
                        result: outcome?.result ?? .failure(PollError(.other, "poll cancelled")),
                        duration: outcome?.duration ?? 0))
                }
            }
            var outcomes: [(Int, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        await store.close()
        return outcomes
    }
}
