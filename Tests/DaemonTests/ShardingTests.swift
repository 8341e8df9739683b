import Adapters
import Daemon
import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// Two daemons as shards 0 and 1 of 2 on one config: each polls, exports and stores only its
/// own targets, and together they cover every target once.
@Suite("Sharding, end to end")
struct ShardingTests {
    @Test("two shards on one config export disjoint sets of targets whose union is the config, and say so")
    func shardsSplitTheTargets() async throws {
        let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 1)
        let simulator = try await DaemonFixture.startSimulator(jobs: [DaemonFixture.nightly], clock: clock)
        let client = VendorHTTPClient()
        let names = (1...12).map { "pdfc-\($0)" }
        var daemons: [Daemon] = []
        var directories: [String] = []
        defer {
            let (daemons, directories) = (daemons, directories)
            Task {
                for daemon in daemons { await daemon.stop() }
                await simulator.stop()
                try? await client.shutdown()
                for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
            }
        }
        let config = """
            defaults:
              interval: 200ms
              timeout: 1s
              jitter: 0%
            targets:
            \(names.map { "  - name: \($0)\n    vendor: inet\n    url: \(simulator.baseURL)\n    auth:\n      token: \(DaemonFixture.token)" }.joined(separator: "\n"))

            """
        var pages: [MetricsPage] = []
        for index in 0..<2 {
            let directory = try TemporaryDirectory.kept()
            directories.append(directory)
            try config.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
            var options = DaemonFixture.options(directory: directory)
            options.shard = try #require(ShardAssignment(index: index, count: 2))
            let daemon = try DaemonFixture.makeDaemon(
                options: options, environment: [:], client: client, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await daemon.start()
            daemons.append(daemon)
            let owned = names.filter { options.shard.owns($0) }
            let base = "http://127.0.0.1:\(await daemon.boundPort ?? 0)"
            let page = await JobFilterTests.waitForPage(base) { page in
                owned.allSatisfy { page.value("backup_target_up", ["target": $0]) == 1 }
            }
            pages.append(page)
            #expect(page.value("backup_exporter_shard_info", ["index": "\(index)", "count": "2"]) == 1)
            #expect(page.value("backup_exporter_targets", ["owned": "true"]) == Double(owned.count))
            #expect(page.value("backup_exporter_targets", ["owned": "false"]) == Double(names.count - owned.count))
        }
        let exported = pages.map { page in Set(page.values("backup_target_up").compactMap { $0.labels["target"] }) }
        #expect(exported[0].isDisjoint(with: exported[1]))
        #expect(exported[0].union(exported[1]) == Set(names))
        #expect(!exported[0].isEmpty && !exported[1].isEmpty)
    }
}
