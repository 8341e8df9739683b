import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Logging

/// `poll-once`: every target polled once, concurrently, with nothing stored and no server. For an
/// operator checking credentials and what the exporter would see, before running the daemon.
public enum OneShotPoll {
    public struct Outcome: Sendable {
        public var target: TargetConfiguration
        public var result: Result<[ObservedJob], PollError>
        public var duration: Double
    }

    public static func run(loader: ConfigurationLoader, client: HTTPClient, logger: Logger) async throws(ConfigError) -> [Outcome] {
        let (_, targets) = try loader.load(client: client, logger: logger)
        return await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask {
                    let (result, duration) = await target.pollOnce()
                    return (index, Outcome(target: target.configuration, result: result, duration: duration))
                }
            }
            var outcomes: [(Int, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
