import Adapters
import ArgumentParser
import BackupModel
import Daemon
import ExporterConfig
import FoundationEssentials
import Logging

/// `poll-once`: polls every target once and prints what the exporter would export.
struct PollOnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "poll-once", abstract: "Poll every target once and print a table of jobs (no server, nothing stored).")

    @Option(name: .customLong("config.file"), help: "The YAML config.")
    var configFile: String = "/etc/backup-exporter/config.yaml"

    func run() async throws {
        let client = VendorHTTPClient()
        let loader = ConfigurationLoader(path: configFile, environment: ProcessInfo.processInfo.environment)
        let logger = Logger(label: "poll-once", factory: { _ in SwiftLogNoOpLogHandler() })
        let outcomes: [(target: TargetConfiguration, outcome: TargetPoller.Outcome)]
        do {
            outcomes = try await TargetPoller.pollOnce(loader: loader, client: client, logger: logger)
        } catch {
            try? await client.shutdown()
            StandardError.write("\(error)\n")
            throw ExitCode.failure
        }
        try? await client.shutdown()
        print(PollTable.render(outcomes), terminator: "")
        if outcomes.contains(where: { if case .failure = $0.outcome.result { true } else { false } }) {
            throw ExitCode(2)
        }
    }
}

/// The table `poll-once` prints: one line per job, one line per failed target.
enum PollTable {
    static func render(_ outcomes: [(target: TargetConfiguration, outcome: TargetPoller.Outcome)]) -> String {
        var rows: [[String]] = [["TARGET", "VENDOR", "UP", "JOB_ID", "JOB_NAME", "STATE", "PROGRESS", "STARTED", "ENDED", "SIZE", "VENDOR_MESSAGE"]]
        for (target, outcome) in outcomes {
            switch outcome.result {
            case .failure(let error):
                rows.append([target.name, target.vendor.rawValue, "0", "-", "(\(error.reason.rawValue): \(error.message))", "", "", "", "", "", ""])
            case .success(let jobs):
                if jobs.isEmpty { rows.append([target.name, target.vendor.rawValue, "1", "-", "(no jobs)", "", "", "", "", "", ""]) }
                for job in jobs {
                    let run = job.runs.first
                    rows.append([
                        target.name, target.vendor.rawValue, "1", job.id, job.name,
                        run?.state.rawValue ?? "-",
                        run?.normalisedProgress.map(percent) ?? "-",
                        run?.startTime.map(time) ?? "-",
                        run?.endTime.map(time) ?? "-",
                        run?.sizeBytes.map(size) ?? "-",
                        run?.vendorMessage ?? "",
                    ])
                }
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }.joined(separator: "  ")
                .trimmingWhitespace()
        }.joined(separator: "\n") + "\n"
    }

    static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    /// A whole percent, as `%.0f%%` writes it.
    static func percent(_ value: Double) -> String {
        value.isFinite ? "\(Int(value.rounded(.toNearestOrEven)))%" : "-"
    }

    static func size(_ bytes: Double) -> String {
        guard bytes.isFinite, bytes >= 0, bytes < 1e18 else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        guard unit > 0 else { return "\(Int(value)) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
