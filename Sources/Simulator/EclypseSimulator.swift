import Foundation
import NIOCore
import NIOHTTP1
import WebServer

/// A simulated Distech Controls ECLYPSE controller: the backup job resource of the REST API
/// (seed `appliance-v4-backup-jobs.txt`), under both paths:
/// - `GET /api/rest/v1/system/backup/jobs/<id>` (revision 4.0, deprecated) and
/// - `GET /api/rest/v1/jobs/<id>` (revision 6.0+; 404 when `revision` is below 6),
/// each answering `{"progress": 42, "status": ""}` or `<Job><Status/><Progress>42</Progress></Job>`
/// as `$format=json|xml` or else the `Accept` header asks (JSON by default, as the API says), with
/// `$select=Progress,Status` trimming the answer. `GET /api/rest/v1/system/backup/targets/device/files`
/// lists one `.ecybackup` file per successful run.
///
/// HTTP Basic on every call; without it 401 with `WWW-Authenticate: basic realm="ECLYPSE"`.
/// A good call also sets the `ECLYPSERESTSESSIONID` cookie, which the exporter ignores.
///
/// As the API page says, "a job ID ... is a unique value created when a backup creation is
/// started": every backup has its own id, which never restarts. Each scripted job is a backup
/// the controller makes on a cycle; its first backup's id is the scripted job's id (what a config
/// follows) and every later cycle's backup gets a new id (`backupID(of:cycle:)`), while the ids of
/// finished backups keep answering their final state. Without `repeats` only the first backup is
/// made. `POST /api/rest/v1/system/backup/create` starts a backup now and answers
/// `{"jobId": "<new id>"}` (it succeeds 20 s later). `forget(_:)` makes the controller answer 404
/// for an id, as after a reboot.
public struct EclypseSimulator: Sendable {
    public var jobs: [ScriptedJob]
    public var username: String
    public var password: String
    public var clock: SimulatorClock
    public var epoch: Double
    /// API revision: 6 and above also serve `/api/rest/v1/jobs/<id>`.
    public var revision: Int
    /// Whether the controller makes a new backup every cycle (the demo) or only the first.
    public var repeats: Bool
    public let controls: EclypseControls

    public init(jobs: [ScriptedJob], username: String, password: String, clock: SimulatorClock, epoch: Double,
                revision: Int = 6, repeats: Bool = true, controls: EclypseControls = EclypseControls()) {
        self.jobs = jobs
        self.username = username
        self.password = password
        self.clock = clock
        self.epoch = epoch
        self.revision = revision
        self.repeats = repeats
        self.controls = controls
    }

    /// Failure words served in turn: the API documents only "OK", anything else is a failure.
    public static let failureWords = ["Failed", "Error", "Insufficient storage space"]
    public static let cancelledWord = "Cancelled"

    public static func demoJobs() -> [ScriptedJob] {
        [
            ScriptedJob(id: "c83b7cd2-e5df-4dcc-9e9e-301927c76a30", name: "AHU-1 controller", waitSeconds: 4, runSeconds: 20,
                        restSeconds: 20, outcomes: [.succeeded], sizeBytes: 2_400_000),
            ScriptedJob(id: "a697b806-14b1-4c61-a9db-5e875f3982f3", name: "Boiler room", waitSeconds: 6, runSeconds: 15,
                        restSeconds: 25, outcomes: [.succeeded, .failed], sizeBytes: 1_800_000, phaseOffset: 11),
        ]
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        controls.countRequest()
        guard request.method == .GET || request.method == .POST else {
            return .json(#"{"error":"method not allowed"}"#, status: .methodNotAllowed)
        }
        guard authorised(request.headers) else {
            var response = HTTPResponse.json(#"{"error":"Unauthorized"}"#, status: .unauthorized)
            response.headers.add(name: "WWW-Authenticate", value: #"basic realm="ECLYPSE""#)
            return response
        }
        let parts = request.path.split(separator: "/").map(String.init)
        let query = request.query
        let xml = Self.wantsXML(format: query["$format"], accept: request.headers.first(name: "Accept"))
        let now = clock.now()
        var response: HTTPResponse
        switch (request.method, parts.count) {
        case (.POST, 6) where parts == ["api", "rest", "v1", "system", "backup", "create"]:
            let id = UUID().uuidString.lowercased()
            controls.recordManualBackup(id: id, at: now)
            response = .json(#"{"jobId":"\#(id)"}"#)
        case (.GET, 7) where parts.starts(with: ["api", "rest", "v1", "system", "backup", "jobs"]):
            response = job(id: parts[6], now: now, xml: xml, select: query["$select"])
        case (.GET, 5) where parts.starts(with: ["api", "rest", "v1", "jobs"]) && revision >= 6:
            response = job(id: parts[4], now: now, xml: xml, select: query["$select"])
        case (.GET, 8) where parts == ["api", "rest", "v1", "system", "backup", "targets", "device", "files"]:
            response = files(now: now)
        case (.POST, _):
            response = .json(#"{"error":"method not allowed"}"#, status: .methodNotAllowed)
        default:
            response = .json(#"{"error":"Resource not found"}"#, status: .notFound)
        }
        response.headers.add(name: "Set-Cookie", value: "ECLYPSERESTSESSIONID=sim\(controls.requests); Path=/; HttpOnly")
        return response
    }

    /// `$format` wins over `Accept`; JSON when neither asks for XML.
    static func wantsXML(format: String?, accept: String?) -> Bool {
        if let format = format?.lowercased(), !format.isEmpty { return format == "xml" }
        let accept = accept?.lowercased() ?? ""
        return accept.contains("xml") && !accept.contains("json")
    }

    private func authorised(_ headers: HTTPHeaders) -> Bool {
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        return headers.first(name: "Authorization") == expected
    }

    /// The id of `job`'s backup of cycle `cycle`: the job's own id for the first one, then the id
    /// with its last group replaced by the cycle number (12 hex digits).
    public static func backupID(of job: ScriptedJob, cycle: Int) -> String {
        guard cycle > 0 else { return job.id }
        let groups = job.id.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 5 else { return "\(job.id)-\(cycle)" }
        return groups.prefix(4).joined(separator: "-") + "-" + String(format: "%012lx", cycle)
    }

    /// The backup an id stands for at `now`, or nil when no backup has that id (yet).
    func run(id: String, now: Double) -> ScriptedJob.Run? {
        if let created = controls.manualBackup(id: id) {
            let manual = ScriptedJob(id: id, name: "manual", waitSeconds: 2, runSeconds: 18, restSeconds: 0, outcomes: [.succeeded])
            return manual.run(cycle: 0, now: now, epoch: created)
        }
        for job in jobs {
            guard let cycle = Self.cycle(of: id, job: job), repeats || cycle == 0 else { continue }
            let run = job.run(cycle: cycle, now: now, epoch: epoch)
            return run.created <= now ? run : nil
        }
        return nil
    }

    /// The cycle whose backup id `id` is, for `job`; nil when it is not one of `job`'s ids.
    static func cycle(of id: String, job: ScriptedJob) -> Int? {
        if id == job.id { return 0 }
        let groups = id.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 5, let cycle = Int(groups[4], radix: 16), cycle > 0,
              backupID(of: job, cycle: cycle) == id else { return nil }
        return cycle
    }

    /// The newest `limit` backups of `job` at `now`, oldest first.
    func backups(of job: ScriptedJob, now: Double, limit: Int) -> [ScriptedJob.Run] {
        if repeats { return job.runs(now: now, epoch: epoch, limit: limit) }
        let first = job.run(cycle: 0, now: now, epoch: epoch)
        return first.created <= now ? [first] : []
    }

    /// The two properties as the controller reports them: status "" (every other cycle left out
    /// altogether) until the run finishes, then "OK" or a failure word.
    func properties(_ run: ScriptedJob.Run) -> (progress: Int, status: String?) {
        switch run.phase {
        case .waiting, .running:
            return (Int(run.progress), run.cycle % 2 == 0 ? "" : nil)
        case .finished(let outcome):
            switch outcome {
            case .succeeded, .warning:
                return (100, "OK")
            case .failed:
                return (Int(run.progress), Self.failureWords[(run.cycle / 2) % Self.failureWords.count])
            case .cancelled:
                return (Int(run.progress), Self.cancelledWord)
            }
        }
    }

    private func job(id: String, now: Double, xml: Bool, select: String?) -> HTTPResponse {
        guard !controls.isForgotten(id), let run = run(id: id, now: now) else {
            return .json(#"{"error":"Job not found"}"#, status: .notFound)
        }
        let (progress, status) = properties(run)
        let wanted = Set((select ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let include = { (name: String) in wanted.isEmpty || wanted == [""] || wanted.contains(name.lowercased()) }
        if xml {
            var fields: [(String, SimulatedRecord.Value)] = []
            if include("Status"), let status { fields.append(("Status", .string(status))) }
            if include("Progress") { fields.append(("Progress", .int(Int64(progress)))) }
            let body = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n" + SimulatedRecord(fields).xmlElements(name: "Job")
            return .text(body, contentType: "application/xml; charset=utf-8")
        }
        var fields: [(String, SimulatedRecord.Value)] = []
        if include("Progress") { fields.append(("progress", .int(Int64(progress)))) }
        if include("Status"), let status { fields.append(("status", .string(status))) }
        return .json(SimulatedRecord(fields).json)
    }

    private func files(now: Double) -> HTTPResponse {
        var names: [String] = []
        for job in jobs {
            for run in backups(of: job, now: now, limit: 5) where !controls.isForgotten(Self.backupID(of: job, cycle: run.cycle)) {
                guard case .finished(let outcome) = run.phase, outcome == .succeeded || outcome == .warning else { continue }
                names.append("\(job.name.replacingOccurrences(of: " ", with: "_"))-\(Int64(run.ended ?? 0)).ecybackup")
            }
        }
        return .json("[" + names.map { #"{"name":\#(JSONText.quote($0))}"# }.joined(separator: ",") + "]")
    }
}
