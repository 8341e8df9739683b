import Foundation
import NIOCore
import NIOHTTP1
import WebServer

/// A simulated Commvault web service (`<webservice>` = the server root, `/webconsole/api` or
/// `/SearchSvc/CVWebService.svc`): the REST calls the exporter makes and the ones `cvpysdk`
/// (Commvault's Python SDK) needs to log in, list jobs and read one job.
///
/// - `GET <webservice>/` answers 200 (the SDK's "is this a web service" probe).
/// - `POST /Login` takes `{"username", "password": base64}` and answers `{"token": "QSDK …",
///   "userName": …}`; wrong credentials answer **HTTP 200** with `errList` and no token, as the
///   real server does. `POST /RenewLoginToken`, `POST /Logout`, `POST /WhoAmI` as the SDK uses them.
/// - `GET /Job?completedJobLookupTime=<s>&jobFilter=Backup` with `limit`/`offset` request
///   headers, `GET /Job/<jobId>`, and the SDK's `POST /Jobs` (paging in the JSON body) and
///   `POST /JobDetails`. `Accept: application/xml` gives the XML shape of the API reference
///   (`<JobManager_JobListResponse><jobs><jobSummary …/>`, every value an attribute string).
/// - Without a valid `Authtoken` every other call answers 401.
///
/// Each scripted job is a subclient; each of its cycles a Commvault job whose id grows with time.
/// Status words rotate through every word of the vendor note (see `statusWord`), so a long enough
/// run serves all of them.
public struct CommvaultSimulator: Sendable {
    public struct Subclient: Sendable {
        public var schedule: ScriptedJob
        public var clientName: String
        public var backupsetName: String
        public var subclientName: String
        public var clientId: Int
        public var backupsetId: Int
        public var subclientId: Int
        public var appName: String

        public init(schedule: ScriptedJob, clientName: String, backupsetName: String = "defaultBackupSet",
                    subclientName: String = "default", clientId: Int, backupsetId: Int, subclientId: Int,
                    appName: String = "File System") {
            self.schedule = schedule
            self.clientName = clientName
            self.backupsetName = backupsetName
            self.subclientName = subclientName
            self.clientId = clientId
            self.backupsetId = backupsetId
            self.subclientId = subclientId
            self.appName = appName
        }

        /// What the exporter calls this job.
        public var jobID: String { "\(clientId)/\(backupsetId)/\(subclientId)" }
        public var jobName: String { "\(clientName)/\(backupsetName)/\(subclientName)" }
    }

    public static let waitingWords = ["Waiting", "Pending", "Queued", "Suspended", "Suspend", "Kill Pending", "Interrupt Pending"]
    public static let runningWords = ["Running", "Running (cannot be verified)"]
    public static let finishedWords: [ScriptedJob.Outcome: [String]] = [
        .succeeded: ["Completed", "Committed"],
        .warning: ["Completed w/ one or more warnings", "Completed w/ one or more errors"],
        .failed: ["Failed", "Failed to Start", "Abnormal Terminated Cleanup"],
        .cancelled: ["Killed", "Interrupted"],
    ]
    /// Job ids start here, like a CommServe that has run for a while.
    public static let firstJobID = 1000

    public var subclients: [Subclient]
    public var username: String
    public var password: String
    public var clock: SimulatorClock
    public var epoch: Double
    /// Runs kept per subclient (older ones have aged out of the job history).
    public var historyLimit: Int
    public let sessions: CommvaultSessions

    public init(subclients: [Subclient], username: String, password: String, clock: SimulatorClock, epoch: Double,
                historyLimit: Int = 20, sessions: CommvaultSessions = CommvaultSessions()) {
        self.subclients = subclients
        self.username = username
        self.password = password
        self.clock = clock
        self.epoch = epoch
        self.historyLimit = historyLimit
        self.sessions = sessions
    }

    /// The demo's subclients: a file server, a SQL instance that sometimes fails, a laptop that
    /// warns or gets killed.
    public static func demoSubclients() -> [Subclient] {
        [
            Subclient(schedule: ScriptedJob(id: "fs", name: "fs", waitSeconds: 6, runSeconds: 35, restSeconds: 15,
                                            outcomes: [.succeeded], sizeBytes: 12_884_901_888),
                      clientName: "WINTER", clientId: 2, backupsetId: 3, subclientId: 2),
            Subclient(schedule: ScriptedJob(id: "sql", name: "sql", waitSeconds: 10, runSeconds: 25, restSeconds: 20,
                                            outcomes: [.succeeded, .failed], sizeBytes: 4_294_967_296, phaseOffset: 9),
                      clientName: "SQL01", backupsetName: "SQLINSTANCE", subclientName: "daily", clientId: 5,
                      backupsetId: 11, subclientId: 17, appName: "SQL Server"),
            Subclient(schedule: ScriptedJob(id: "laptop", name: "laptop", waitSeconds: 8, runSeconds: 20, restSeconds: 25,
                                            outcomes: [.warning, .cancelled, .succeeded], sizeBytes: 734_003_200, phaseOffset: 21),
                      clientName: "LAPTOP-7", subclientName: "documents", clientId: 9, backupsetId: 14, subclientId: 31),
        ]
    }

    // MARK: - Requests

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = Self.servicePath(String(request.path))
        let now = clock.now()
        switch (request.method, path) {
        case (.GET, ""), (.GET, "/"):
            return .text("Commvault REST API (simulated)\n")
        case (.POST, "/Login"):
            return login(request)
        case (.POST, "/RenewLoginToken"):
            return renew(request)
        case (.POST, "/Logout"):
            sessions.logout(request.headers.first(name: "Authtoken"))
            return .text("User logged out")
        default:
            break
        }
        guard sessions.authorise(request.headers.first(name: "Authtoken")) else {
            return .json(#"{"errorCode":1,"errorMessage":"Unauthorized: session expired or invalid"}"#, status: .unauthorized)
        }
        let xml = Self.wantsXML(request.headers)
        let parts = path.split(separator: "/").map(String.init)
        switch (request.method, parts.count, parts.first) {
        case (.GET, 1, "Job"):
            return list(request, now: now, xml: xml)
        case (.GET, 2, "Job"):
            guard let id = Int(parts[1]), let found = job(id: id, now: now) else {
                return render(JobList(total: 0, records: []), xml: xml)
            }
            return render(JobList(total: 1, records: [record(found.subclient, found.run, now: now)]), xml: xml)
        case (.POST, 1, "Jobs"):
            return sdkList(request, now: now)
        case (.POST, 1, "JobDetails"):
            return details(request, now: now)
        case (.POST, 1, "WhoAmI"):
            return .json(#"{"errorCode":0,"user":{"userName":\#(JSONText.quote(username)),"userId":1}}"#)
        default:
            return .json(#"{"errorCode":2,"errorMessage":"no such API"}"#, status: .notFound)
        }
    }

    /// The path below the web service root; both usual roots are accepted, and the bare server.
    static func servicePath(_ path: String) -> String {
        for root in ["/webconsole/api", "/SearchSvc/CVWebService.svc", "/commandcenter/api"] where path.hasPrefix(root) {
            return String(path.dropFirst(root.count))
        }
        return path
    }

    static func wantsXML(_ headers: HTTPHeaders) -> Bool {
        let accept = headers.first(name: "Accept")?.lowercased() ?? ""
        return accept.contains("xml") && !accept.contains("json")
    }

    private func login(_ request: HTTPRequest) -> HTTPResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body.readableBytesView))) as? [String: Any]
        let user = body?["username"] as? String
        let encoded = body?["password"] as? String
        let decoded = encoded.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        guard user == username, decoded == password else {
            sessions.refuseLogin()
            return .json(#"{"loginAttempts":1,"remainingLockTime":0,"errList":[{"errLogMessage":"Invalid Username or Password","errorCode":1116}]}"#)
        }
        let token = sessions.issue()
        let quotedUser = JSONText.quote(username)
        return .json(#"{"aliasName":"1","userGUID":"6f0a4f5e-2d6c-4a8e-9d41-simulated","loginAttempts":0,"remainingLockTime":0,"smtpAddress":"admin@example.invalid","userName":\#(quotedUser),"providerType":1,"ccn":0,"token":\#(JSONText.quote(token)),"capability":4328650366975,"forcePasswordChange":false,"isAccountLocked":false}"#)
    }

    private func renew(_ request: HTTPRequest) -> HTTPResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body.readableBytesView))) as? [String: Any]
        guard sessions.isKnown(body?["sessionId"] as? String) else {
            return .json(#"{"error":{"errLogMessage":"Invalid session","errorCode":1}}"#)
        }
        return .json(#"{"token":\#(JSONText.quote(sessions.issue(renewal: true)))}"#)
    }

    // MARK: - Jobs

    struct JobList {
        var total: Int
        var records: [SimulatedRecord]
    }

    struct Found {
        var subclient: Subclient
        var run: ScriptedJob.Run
    }

    func jobNumber(subclientIndex: Int, cycle: Int) -> Int {
        Self.firstJobID + cycle * subclients.count + subclientIndex
    }

    /// Every kept run, newest first (by submission time, then job id).
    func allRuns(now: Double) -> [Found] {
        var found: [Found] = []
        for subclient in subclients {
            for run in subclient.schedule.runs(now: now, epoch: epoch, limit: historyLimit) {
                found.append(Found(subclient: subclient, run: run))
            }
        }
        return found.sorted { a, b in
            a.run.created != b.run.created ? a.run.created > b.run.created : number(a) > number(b)
        }
    }

    private func number(_ found: Found) -> Int {
        let index = subclients.firstIndex { $0.jobID == found.subclient.jobID } ?? 0
        return jobNumber(subclientIndex: index, cycle: found.run.cycle)
    }

    func job(id: Int, now: Double) -> Found? {
        guard !subclients.isEmpty, id >= Self.firstJobID else { return nil }
        let offset = id - Self.firstJobID
        let subclient = subclients[offset % subclients.count]
        let run = subclient.schedule.run(cycle: offset / subclients.count, now: now, epoch: epoch)
        guard run.created <= now else { return nil }
        return Found(subclient: subclient, run: run)
    }

    /// Jobs still active, plus those that finished within `lookup` seconds.
    private func window(now: Double, lookup: Double?, category: Int = 0) -> [Found] {
        let since = now - (lookup ?? 365 * 24 * 3600)
        return allRuns(now: now).filter { found in
            let finished = found.run.ended != nil
            switch category {
            case 1: return !finished
            case 2: return finished && (found.run.ended ?? 0) >= since
            default: return !finished || (found.run.ended ?? 0) >= since
            }
        }
    }

    private func list(_ request: HTTPRequest, now: Double, xml: Bool) -> HTTPResponse {
        let query = request.query
        if let filter = query["jobFilter"], !filter.lowercased().split(separator: ",").contains("backup") {
            return render(JobList(total: 0, records: []), xml: xml)
        }
        let matching = window(now: now, lookup: query["completedJobLookupTime"].flatMap(Double.init))
        let offset = max(0, request.headers.first(name: "offset").flatMap { Int($0) } ?? 0)
        let limit = max(0, request.headers.first(name: "limit").flatMap { Int($0) } ?? matching.count)
        let page = matching.dropFirst(offset).prefix(limit)
        return render(JobList(total: matching.count, records: page.map { record($0.subclient, $0.run, now: now) }), xml: xml)
    }

    private func sdkList(_ request: HTTPRequest, now: Double) -> HTTPResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body.readableBytesView))) as? [String: Any] ?? [:]
        let paging = body["pagingConfig"] as? [String: Any] ?? [:]
        let filter = body["jobFilter"] as? [String: Any] ?? [:]
        let matching = window(now: now, lookup: (filter["completedJobLookupTime"] as? NSNumber)?.doubleValue,
                              category: (body["category"] as? NSNumber)?.intValue ?? 0)
        let offset = max(0, (paging["offset"] as? NSNumber)?.intValue ?? 0)
        let limit = max(0, (paging["limit"] as? NSNumber)?.intValue ?? 20)
        let page = matching.dropFirst(offset).prefix(limit)
        return render(JobList(total: matching.count, records: page.map { record($0.subclient, $0.run, now: now) }), xml: false)
    }

    private func details(_ request: HTTPRequest, now: Double) -> HTTPResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body.readableBytesView))) as? [String: Any] ?? [:]
        guard let id = (body["jobId"] as? NSNumber)?.intValue, let found = job(id: id, now: now) else {
            return .json(#"{"error":{"errList":[{"errorCode":2,"errLogMessage":"Job not found"}]}}"#)
        }
        let run = found.run
        let files = Int64(run.sizeBytes / 1_048_576)
        let detail = SimulatedRecord([
            ("jobDetail", .record(SimulatedRecord([
                ("detailInfo", .record(SimulatedRecord([
                    ("startTime", .int(Int64(run.started ?? run.created))), ("endTime", .int(Int64(run.ended ?? 0))),
                    ("numOfObjects", .int(files)),
                ]))),
                ("progressInfo", .record(SimulatedRecord([
                    ("state", .string(statusWord(found.subclient, run))), ("percentComplete", .int(Int64(run.progress))),
                    ("numOfFilesTransferred", .int(files)),
                ]))),
                ("generalInfo", .record(SimulatedRecord([("subclient", .record(subclientRecord(found.subclient)))]))),
            ]))),
        ])
        return .json(#"{"job":\#(detail.json)}"#)
    }

    private func render(_ list: JobList, xml: Bool) -> HTTPResponse {
        if xml {
            var body = #"<?xml version="1.0" encoding="UTF-8" standalone="no" ?>"# + "\n"
            body += #"<JobManager_JobListResponse totalRecordsWithoutPaging="\#(list.total)">"#
            for record in list.records {
                body += "<jobs>" + record.xmlAttributes(name: "jobSummary") + "</jobs>"
            }
            body += "</JobManager_JobListResponse>\n"
            return .text(body, contentType: "application/xml; charset=utf-8")
        }
        let jobs = list.records.map { #"{"jobSummary":\#($0.json)}"# }.joined(separator: ",")
        return .json(#"{"totalRecordsWithoutPaging":\#(list.total),"jobs":[\#(jobs)]}"#)
    }

    /// The status word of a run: each phase and outcome rotates through its words cycle by cycle.
    public func statusWord(_ subclient: Subclient, _ run: ScriptedJob.Run) -> String {
        switch run.phase {
        case .waiting:
            return Self.waitingWords[run.cycle % Self.waitingWords.count]
        case .running:
            return Self.runningWords[run.cycle % Self.runningWords.count]
        case .finished(let outcome):
            let words = Self.finishedWords[outcome] ?? ["Completed"]
            // The k-th time this outcome comes up, not the cycle, picks the word: with two
            // outcomes alternating, cycle parity alone would never reach the second word.
            let occurrence = run.cycle / max(1, subclient.schedule.outcomes.count)
            return words[occurrence % words.count]
        }
    }

    func subclientRecord(_ subclient: Subclient) -> SimulatedRecord {
        SimulatedRecord([
            ("appName", .string(subclient.appName)), ("applicationId", .int(subclient.appName == "SQL Server" ? 81 : 33)),
            ("backupsetId", .int(Int64(subclient.backupsetId))), ("backupsetName", .string(subclient.backupsetName)),
            ("clientId", .int(Int64(subclient.clientId))), ("clientName", .string(subclient.clientName)),
            ("instanceId", .int(1)), ("instanceName", .string("DefaultInstanceName")),
            ("subclientId", .int(Int64(subclient.subclientId))), ("subclientName", .string(subclient.subclientName)),
        ])
    }

    /// One `jobSummary` in the field order of the API reference's example.
    func record(_ subclient: Subclient, _ run: ScriptedJob.Run, now: Double) -> SimulatedRecord {
        let index = subclients.firstIndex { $0.jobID == subclient.jobID } ?? 0
        let word = statusWord(subclient, run)
        let started = run.started ?? run.created
        let elapsed: Double
        switch run.phase {
        case .waiting: elapsed = 0
        case .running: elapsed = now - started
        case .finished: elapsed = (run.ended ?? started) - started
        }
        let lastUpdate = run.ended ?? (run.phase == .running ? now : run.created)
        let full = run.cycle % 7 == 0
        let files = Int64(run.sizeBytes / 1_048_576)
        let warned = run.phase == .finished(.warning)
        return SimulatedRecord([
            ("appTypeName", .string(subclient.appName)),
            ("backupLevel", .int(full ? 1 : 2)),
            ("backupLevelName", .string(full ? "Full" : "Incremental")),
            ("backupSetName", .string(subclient.backupsetName)),
            ("currentPhaseName", .string(run.phase == .running ? "Backup" : "")),
            ("destClientName", .string(subclient.clientName)),
            ("isAged", .bool(false)),
            ("isVisible", .bool(true)),
            ("jobElapsedTime", .int(Int64(elapsed))),
            ("jobEndTime", .int(Int64(run.ended ?? 0))),
            ("jobId", .int(Int64(jobNumber(subclientIndex: index, cycle: run.cycle)))),
            ("jobStartTime", .int(Int64(started))),
            ("jobType", .string("Backup")),
            ("lastUpdateTime", .int(Int64(lastUpdate))),
            ("localizedBackupLevelName", .string(full ? "Full" : "Incremental")),
            ("localizedOperationName", .string("Backup")),
            ("localizedStatus", .string(word)),
            ("opType", .int(4)),
            ("pendingReason", .string(run.phase == .waiting ? "The job is waiting for resources (\(word))." : "")),
            ("percentComplete", .double(run.progress, decimals: 6)),
            ("percentSavings", .double(run.sizeBytes > 0 ? 38.5 : 0, decimals: 6)),
            ("sizeOfApplication", .int(Int64(run.sizeBytes))),
            ("sizeOfMediaOnDisk", .int(Int64((run.sizeBytes * 0.615).rounded()))),
            ("status", .string(word)),
            ("statusColor", .string(word.hasPrefix("Completed") || word == "Committed" ? "black" : "blue")),
            ("subclientName", .string(subclient.subclientName)),
            ("totalFailedFiles", .int(warned ? 3 : 0)),
            ("totalFailedFolders", .int(0)),
            ("totalNumOfFiles", .int(files)),
            ("subclient", .record(subclientRecord(subclient))),
            ("userName", .record(SimulatedRecord([("userId", .int(1)), ("userName", .string(username))]))),
        ])
    }
}
