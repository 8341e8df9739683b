import Foundation
import Simulator
import TestSupport
import Testing

/// Months, not minutes: the daemon binary watches 1,000 jobs on four simulated Unitrends
/// appliances while the vendors' clock runs days ahead, 20 minutes of vendor time per step, each
/// job starting and finishing a run every 10 minutes (so each job's counted run ids pass the
/// store's 128 within the first day and are pruned from then on; an appliance lists the last
/// three runs of each, so a run stays listed 25 minutes after it ends). Each step waits until every
/// appliance has been polled, so no machine is too slow for it. At the end every run that
/// finished is counted exactly once, and across the run the database and its WAL stay bounded
/// and the process's RSS, descriptors and threads stay flat.
///
/// CI runs 1.5 days of vendor time (about a minute); `LONG_RUN_DAYS=7` is the week the README
/// reports.
@Suite("Long run")
struct LongRunTests {
    static let appliances = 4
    static let assetsPerAppliance = 250
    static let step = 20.0 * 60
    static let epoch = DaemonFixture.epoch

    static func job(_ index: Int) -> ScriptedJob {
        ScriptedJob(id: "\(index)", name: "client-\(index)", waitSeconds: 60, runSeconds: 240, restSeconds: 300,
                    // No cancelled: Unitrends has no word for it (the simulator sends `None`, no verdict).
                    outcomes: [.succeeded, .succeeded, .warning, .failed][..<(1 + index % 4)].map { $0 },
                    sizeBytes: 1_000_000, phaseOffset: Double(index % 600))
    }

    /// The runs of `job` that ended by `now`, by result, leaving out those the appliance had
    /// already dropped from its list of three when the daemon first asked at `start`: the
    /// simulator's own arithmetic.
    static func finishedRuns(of job: ScriptedJob, from start: Double, at now: Double) -> [String: Int] {
        var counts: [String: Int] = [:]
        let firstEnd = epoch + job.phaseOffset + job.waitSeconds + job.runSeconds
        guard now >= firstEnd else { return counts }
        let cycles = Int(((now - firstEnd) / job.cycleSeconds).rounded(.down)) + 1
        let currentAtStart = Int(((start - epoch - job.phaseOffset) / job.cycleSeconds).rounded(.down))
        for cycle in max(0, currentAtStart - (historyLimit - 1))..<max(0, cycles) {
            counts[job.outcomes[cycle % job.outcomes.count].rawValue, default: 0] += 1
        }
        return counts
    }

    /// Runs per asset an appliance lists.
    static let historyLimit = 3
    static let start = epoch + 3_600

    struct Sample: CustomStringConvertible {
        var day: Double
        var rssMiB: Double
        var fds: Int
        var threads: Int
        var databaseMiB: Double
        var walMiB: Double
        var description: String {
            String(format: "day %.1f: RSS %.1f MiB, %d fds, %d threads, state.sqlite %.2f MiB, WAL %.2f MiB",
                   day, rssMiB, fds, threads, databaseMiB, walMiB)
        }
    }

    @Test("a week of vendor time at 1,000 jobs: every run counted once, database bounded, RSS, fds and threads flat")
    func acceleratedWeek() async throws {
        let days = Double(ProcessInfo.processInfo.environment["LONG_RUN_DAYS"] ?? "") ?? 1.5
        // An hour in, so every asset has backups to list (Unitrends lists jobs by their backups).
        let clock = SimulatorClock.manual(at: Self.start)
        let credentials = UnitrendsSimulator.Credentials(username: "monitor", password: "long-run")
        var simulators: [(UnitrendsSimulator, VendorSimulator)] = []
        for appliance in 0..<Self.appliances {
            let assets = (0..<Self.assetsPerAppliance).map { offset in
                let index = appliance * Self.assetsPerAppliance + offset
                return UnitrendsSimulator.Asset(clientID: index, clientName: "client-\(index)", job: Self.job(index))
            }
            let unitrends = UnitrendsSimulator(assets: assets, credentials: credentials, clock: clock, epoch: Self.epoch, historyLimit: Self.historyLimit)
            simulators.append((unitrends, try await VendorSimulator.start(vendor: "unitrends") { await unitrends.handle($0) }))
        }
        let directory = try TemporaryDirectory.kept()
        let servers = simulators.map(\.1)
        defer {
            Task {
                for server in servers { await server.stop() }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        let targets = simulators.enumerated().map { index, pair in
            """
              - name: appliance-\(index)
                vendor: unitrends
                url: \(pair.1.baseURL)
                auth: { username: monitor, password: long-run }
                options: { backups_per_job: 5 }
            """
        }
        try ("defaults: { interval: 200ms, timeout: 10s, jitter: 0% }\ntargets:\n" + targets.joined(separator: "\n"))
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let daemon = try ChildProcess(
            executable: "backup-exporter",
            arguments: ["--config.file", directory + "/config.yaml", "--storage.path", directory + "/state",
                        "--web.listen-address", "127.0.0.1:\(port)", "--log.format", "logfmt", "--log.level", "warning"],
            directory: directory)
        defer { Task { await daemon.kill9() } }
        // A 1,000-job page from a debug build on a busy machine can take seconds.
        // curl, not the shared client: a 1,000-job page from a debug build on a busy machine can
        // take seconds, and AsyncHTTPClient gave up on it here with "limit".
        let metrics = { () async -> MetricsPage in
            let fetch = Process()
            fetch.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            fetch.arguments = ["-fsS", "--max-time", "60", "http://127.0.0.1:\(port)/metrics"]
            let pipe = Pipe()
            fetch.standardOutput = pipe
            guard (try? fetch.run()) != nil else { return MetricsPage("") }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            fetch.waitUntilExit()
            return MetricsPage(String(decoding: data, as: UTF8.self))
        }
        // Up when every appliance has answered two polls and the page lists all 1,000 jobs.
        let names = (0..<Self.appliances).map { "appliance-\($0)" }
        let polledTwice = await eventually(timeout: 120) { simulators.allSatisfy { $0.0.counters.backupFilters.count >= 2 } }
        try #require(polledTwice, "the appliances were not polled: \(daemon.output.suffix(1_000))")
        let listed = await MetricsPage.waitFor(timeout: 120, from: metrics) { page in
            names.allSatisfy { page.value("backup_target_jobs", ["target": $0]) == Double(Self.assetsPerAppliance) }
        }
        try #require(names.allSatisfy { listed.value("backup_target_jobs", ["target": $0]) == Double(Self.assetsPerAppliance) },
                     "the daemon did not list 1,000 jobs: \(names.map { listed.value("backup_target_jobs", ["target": $0]) ?? -1 }) \(daemon.output.suffix(1_000))")

        var samples: [Sample] = []
        let steps = Int((days * 86_400 / Self.step).rounded())
        let stepsPerSample = Int(86_400 / Self.step / 2)
        for step in 1...steps {
            clock.advance(by: Self.step)
            let polledBefore = simulators.map { $0.0.counters.backupFilters.count }
            // A request that reached an appliance after the step is answered as of the step's time.
            let polled = await eventually(timeout: 30) {
                zip(simulators, polledBefore).allSatisfy { $0.0.counters.backupFilters.count >= $1 + 1 }
            }
            try #require(polled, "step \(step): an appliance was not polled within 30 s: \(daemon.output.suffix(2_000))")
            if step % stepsPerSample == 0 || step == steps {
                samples.append(Self.sample(pid: daemon.pid, directory: directory + "/state", day: (clock.now() - Self.epoch) / 86_400))
                print("long run: \(samples[samples.count - 1])")
            }
        }
        try #require(daemon.process.isRunning, "the daemon exited: \(daemon.output.suffix(2_000))")

        // Every finished run counted exactly once, result by result.
        // The last step's polls are recorded once two more have reached every appliance.
        let polledAtEnd = simulators.map { $0.0.counters.backupFilters.count }
        _ = await eventually(timeout: 30) { zip(simulators, polledAtEnd).allSatisfy { $0.0.counters.backupFilters.count >= $1 + 2 } }
        let page = await MetricsPage.waitFor(timeout: 60, from: metrics) { $0.value("backup_target_jobs", ["target": "appliance-0"]) != nil }
        let now = clock.now()
        var wrong: [String] = []
        for index in 0..<(Self.appliances * Self.assetsPerAppliance) {
            let target = "appliance-\(index / Self.assetsPerAppliance)"
            let expected = Self.finishedRuns(of: Self.job(index), from: Self.start, at: now)
            for result in ["succeeded", "warning", "failed", "cancelled"] {
                let counted = page.value("backup_job_runs_total", ["target": target, "job_id": "\(index)", "result": result]) ?? -1
                if counted != Double(expected[result] ?? 0) { wrong.append("job \(index) \(result): \(counted) != \(expected[result] ?? 0)") }
            }
        }
        let total = (0..<(Self.appliances * Self.assetsPerAppliance)).reduce(0) { $0 + Self.finishedRuns(of: Self.job($1), from: Self.start, at: now).values.reduce(0, +) }
        print("long run: \(String(format: "%.1f", days)) days of vendor time, \(steps) steps, \(total) runs finished and counted")
        #expect(wrong.isEmpty, "\(wrong.count) counts differ, first: \(wrong.prefix(5))")

        // While the counted ids fill up (about 72 per job at day 0.5, the cap of 128 by day 1), what
        // they add is small: 1,000 jobs' 56,000 more ids took 12 MiB when each job kept them in a
        // set beside an array that had doubled (2.2 MiB since `CountedRunIDs`).
        let halfDay = try #require(samples.first { $0.day >= 0.5 })
        let reference = try #require(samples.first { $0.day >= 1 })
        #expect(reference.rssMiB <= halfDay.rssMiB + 6, "RSS grew while the counted ids filled up: \(halfDay) → \(reference)")
        // Bounded and flat once the counted ids reach their cap (within the first day): compared
        // with the sample at day 1, the last one.
        let last = try #require(samples.last)
        #expect(last.databaseMiB <= reference.databaseMiB * 1.1 + 0.5, "database grew: \(reference) → \(last)")
        #expect(last.walMiB <= 8.5, "WAL not checkpointed: \(last)")
        #expect(last.rssMiB <= reference.rssMiB * 1.15 + 4, "RSS grew: \(reference) → \(last)")
        #expect(last.fds <= reference.fds + 2, "descriptors grew: \(reference) → \(last)")
        #expect(last.threads <= reference.threads + 2, "threads grew: \(reference) → \(last)")
    }

    static func sample(pid: Int32, directory: String, day: Double) -> Sample {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Double(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? -1
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        func mebibytes(_ path: String) -> Double {
            Double(((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0) / 1_048_576
        }
        return Sample(day: day, rssMiB: field("VmRSS") / 1024, fds: fds, threads: Int(field("Threads")),
                      databaseMiB: mebibytes(directory + "/state.sqlite"), walMiB: mebibytes(directory + "/state.sqlite-wal"))
    }
}
