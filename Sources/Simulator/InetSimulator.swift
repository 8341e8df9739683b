import Foundation
import NIOCore
import NIOHTTP1
import WebServer

/// A simulated i-net PDFC / CoWork server: the backup API paths, Bearer and Basic auth, and the
/// result JSON as the vendor's help page shows it (`definitionid`, epoch-millisecond times,
/// `runningStatus` booleans, `taskProgress` as numeric strings, `taskErrors`).
///
/// The help page does not say in which order a definition's results are listed: they come oldest
/// first, except for the definitions in `newestFirstDefinitions`, so both orders are served. A
/// failed run reports the progress its tasks reached (one task stopped part way) with its
/// `taskErrors`; a successful run reports an empty `taskProgress`, as the page's example does.
public struct InetSimulator: Sendable {
    public struct Credentials: Sendable {
        public var token: String?
        public var username: String?
        public var password: String?
        public init(token: String? = nil, username: String? = nil, password: String? = nil) {
            self.token = token
            self.username = username
            self.password = password
        }
    }

    public var jobs: [ScriptedJob]
    public var credentials: Credentials
    public var clock: SimulatorClock
    /// When runs began: cycle 0 of every job starts here (plus its phase offset).
    public var epoch: Double
    /// Results listed per definition (the newest ones).
    public var historyLimit: Int
    /// List results as full objects instead of ids: the other shape the adapter accepts.
    public var listResultsAsObjects: Bool
    /// Definitions whose results are listed newest first (the others oldest first).
    public var newestFirstDefinitions: Set<String>

    public init(jobs: [ScriptedJob], credentials: Credentials, clock: SimulatorClock, epoch: Double,
                historyLimit: Int = 10, listResultsAsObjects: Bool = false, newestFirstDefinitions: Set<String> = []) {
        self.jobs = jobs
        self.credentials = credentials
        self.clock = clock
        self.epoch = epoch
        self.historyLimit = historyLimit
        self.listResultsAsObjects = listResultsAsObjects
        self.newestFirstDefinitions = newestFirstDefinitions
    }

    /// The demo's definitions: different rhythms and outcomes, so every state shows within minutes.
    public static func demoJobs() -> [ScriptedJob] {
        [
            ScriptedJob(id: "d7b3a485-b946-4edc-96db-1a41870f2584", name: "DS", waitSeconds: 5, runSeconds: 40, restSeconds: 15,
                        outcomes: [.succeeded], sizeBytes: 467_000_000),
            ScriptedJob(id: "5f0c1e2a-7d44-4c1b-9a8e-3b2d6f1a0c11", name: "Documents", waitSeconds: 10, runSeconds: 30, restSeconds: 20,
                        outcomes: [.succeeded, .warning], sizeBytes: 2_000_000_000, phaseOffset: 12),
            ScriptedJob(id: "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d", name: "Archive \"cold\" storage", waitSeconds: 8, runSeconds: 25, restSeconds: 30,
                        outcomes: [.failed, .succeeded], sizeBytes: 800_000_000, phaseOffset: 25),
        ]
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .GET else { return .json(#"{"error":"method not allowed"}"#, status: .methodNotAllowed) }
        guard authorised(request.headers) else {
            var response = HTTPResponse.json(#"{"error":"unauthorized"}"#, status: .unauthorized)
            response.headers.add(name: "WWW-Authenticate", value: #"Basic realm="i-net""#)
            return response
        }
        let parts = request.path.split(separator: "/").map(String.init)
        let now = clock.now()
        // /api/backup/definitions[/<id>/results[/<rid>]] and /api/backup/results/<rid>
        guard parts.count >= 3, parts[0] == "api", parts[1] == "backup" else { return .notFound }
        switch (parts[2], parts.count) {
        case ("definitions", 3):
            let list = jobs.map { #"{"definitionid":"\#($0.id)","name":\#(JSONText.quote($0.name))}"# }
            return .json("[" + list.joined(separator: ",") + "]")
        case ("definitions", 5) where parts[4] == "results":
            guard let job = jobs.first(where: { $0.id == parts[3] }) else { return .json(#"{"error":"no such definition"}"#, status: .notFound) }
            let oldestFirst = job.runs(now: now, epoch: epoch, limit: historyLimit)
            let runs = newestFirstDefinitions.contains(job.id) ? Array(oldestFirst.reversed()) : oldestFirst
            let list = listResultsAsObjects ? runs.map { render(job: job, run: $0) } : runs.map { "\"\($0.id)\"" }
            return .json("[" + list.joined(separator: ",") + "]")
        case ("definitions", 6) where parts[4] == "results":
            return detail(resultID: parts[5], definitionID: parts[3], now: now)
        case ("results", 4):
            return detail(resultID: parts[3], definitionID: nil, now: now)
        default:
            return .notFound
        }
    }

    private func detail(resultID: String, definitionID: String?, now: Double) -> HTTPResponse {
        for job in jobs where definitionID == nil || job.id == definitionID {
            guard resultID.hasPrefix(job.id + "-run-"), let cycle = Int(resultID.dropFirst(job.id.count + 5)) else { continue }
            let run = job.run(cycle: cycle, now: now, epoch: epoch)
            guard run.created <= now else { break }
            return .json(render(job: job, run: run))
        }
        return .json(#"{"error":"no such result"}"#, status: .notFound)
    }

    private func authorised(_ headers: HTTPHeaders) -> Bool {
        guard let value = headers.first(name: "Authorization") else { return false }
        if let token = credentials.token, value == "Bearer \(token)" { return true }
        if let username = credentials.username, let password = credentials.password {
            let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
            if value == expected { return true }
        }
        return false
    }

    /// The result JSON in the vendor's shape. Two tasks per run, progress as strings like the
    /// vendor's locale-free decimals.
    func render(job: ScriptedJob, run: ScriptedJob.Run) -> String {
        let ms = { (seconds: Double) in String(Int64((seconds * 1000).rounded())) }
        let waiting = run.phase == .waiting
        let running = run.phase == .running
        var finished = false
        var errors = "{}"
        switch run.phase {
        case .finished(let outcome):
            finished = true
            switch outcome {
            case .succeeded: errors = "{}"
            case .warning: errors = #"{"mail":"3 items could not be read"}"#
            case .failed, .cancelled: errors = #"{"database":"target volume not writable"}"#
            }
        case .waiting, .running: break
        }
        var taskProgress = running
            ? #"{"database":"\#(String(format: "%.6f", min(100, run.progress * 1.2)))","mail":"\#(String(format: "%.6f", run.progress * 0.8))"}"#
            : "{}"
        if case .finished(let outcome) = run.phase, outcome == .failed || outcome == .cancelled {
            // The database task stopped at 37.5 %; the mail task had finished.
            taskProgress = #"{"database":"37.500000","mail":"100.000000"}"#
        }
        var content = #""path":\#(JSONText.quote("/backup/\(job.name) \(run.cycle)"))"#
        if let started = run.started { content += #","started":\#(ms(started))"# }
        if let ended = run.ended, let started = run.started {
            content += #","ended":\#(ms(ended)),"duration":\#(ms(ended - started))"#
        }
        if run.started != nil { content += #","size":\#(Int64(run.sizeBytes))"# }
        content += #","taskDetails":{}"#
        return #"{"appNameAndVersion":"i-net PDFC 23.10 (simulated)","jobid":"\#(run.id)","definitionid":"\#(job.id)","name":\#(JSONText.quote(job.name)),"created":\#(ms(run.created)),"taskKeys":["database","mail"],"runningStatus":{"waiting":\#(waiting),"running":\#(running),"finished":\#(finished),"taskProgress":\#(taskProgress),"taskErrors":\#(errors)},"contentInformation":{\#(content)}}"#
    }
}
