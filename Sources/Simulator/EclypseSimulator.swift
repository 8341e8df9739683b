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
/// Each scripted job is one backup job id. With `repeats` (the demo) the id starts over every
/// cycle so the demo keeps moving; without it the id runs once and then stays finished, as on a
/// real controller. `forget(_:)` makes the controller answer 404 for an id, as after a reboot.
public struct EclypseSimulator: Sendable {
    public var jobs: [ScriptedJob]
    public var username: String
    public var password: String
    public var clock: SimulatorClock
    public var epoch: Double
    /// API revision: 6 and above also serve `/api/rest/v1/jobs/<id>`.
    public var revision: Int
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
        guard request.method == .GET else { return .json(#"{"error":"method not allowed"}"#, status: .methodNotAllowed) }
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
        switch parts.count {
        case 7 where parts.starts(with: ["api", "rest", "v1", "system", "backup", "jobs"]):
            response = job(id: parts[6], now: now, xml: xml, select: query["$select"])
        case 5 where parts.starts(with: ["api", "rest", "v1", "jobs"]) && revision >= 6:
            response = job(id: parts[4], now: now, xml: xml, select: query["$select"])
        case 8 where parts == ["api", "rest", "v1", "system", "backup", "targets", "device", "files"]:
            response = files(now: now)
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

    /// The run a job id stands for at `now`, or nil before it was created.
    func run(of job: ScriptedJob, now: Double) -> ScriptedJob.Run? {
        if repeats {
            return job.runs(now: now, epoch: epoch, limit: 1).last
        }
        let run = job.run(cycle: 0, now: now, epoch: epoch)
        return run.created <= now ? run : nil
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
        guard !controls.isForgotten(id), let job = jobs.first(where: { $0.id == id }), let run = run(of: job, now: now) else {
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
        for job in jobs where !controls.isForgotten(job.id) {
            let runs = repeats ? job.runs(now: now, epoch: epoch, limit: 5) : [run(of: job, now: now)].compactMap { $0 }
            for run in runs {
                guard case .finished(let outcome) = run.phase, outcome == .succeeded || outcome == .warning else { continue }
                names.append("\(job.name.replacingOccurrences(of: " ", with: "_"))-\(Int64(run.ended ?? 0)).ecybackup")
            }
        }
        return .json("[" + names.map { #"{"name":\#(JSONText.quote($0))}"# }.joined(separator: ",") + "]")
    }
}
