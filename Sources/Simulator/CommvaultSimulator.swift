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
/// - `GET /Job/<jobId>/AdvancedDetails?infoType=<n>` in the shapes of the API reference (seed
///   `commvault-job-details.txt`): `bkpInfo.exchDbInfo.SourceDatabaseStats` with a
///   `FailureReason` for a failed job, an empty `bkpInfo` for any other.
///
/// Each scripted job is a subclient; each of its cycles a Commvault job whose id grows with time.
/// Status words rotate through the words of the vendor note (see `statusWord`), so a long enough
/// run serves all of them. Summaries carry no `jobEndTime`, as the API reference's own example
/// does not: a finished job's end is its `lastUpdateTime`. The awkward cases the reference allows:
/// - A subclient with `interruptEvery` has every n-th job **Interrupted** half way through its
///   run (with a `pendingReason`), then Running again under the same `jobId`, then finished: an
///   interrupted job resumes, it is not over.
/// - **Committed** is among the warning outcome's words (stopped, data so far kept).
/// - A failed job says **Abnormal Terminated Cleanup** in the last tenth of its run (cvpysdk calls
///   that word unfinished) before its final Failed or Failed to Start; it carries a
///   `pendingReason`, and its AdvancedDetails a `FailureReason`.
/// - Job ids 1 to `catalogueWords.count` are a fixed catalogue, one job per status word the API
///   reference lists, frozen in that word: only `GET /Job/<id>`, `POST /JobDetails` and
///   AdvancedDetails serve them (not the lists), so the real SDK can be asked about every word.
/// The texts of `pendingReason` and `FailureReason` are ours, in the style of the reference's
/// example ("Backup job has been suspended by user admin."); the reference gives no failed one.
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
        /// Every n-th job (cycles 0, n, 2n, …) is Interrupted for a while in the middle of its run,
        /// then resumes under the same job id; nil: never.
        public var interruptEvery: Int?
        /// Words used for each finished outcome instead of `CommvaultSimulator.finishedWords`.
        public var finishedWords: [ScriptedJob.Outcome: [String]]?

        public init(schedule: ScriptedJob, clientName: String, backupsetName: String = "defaultBackupSet",
                    subclientName: String = "default", clientId: Int, backupsetId: Int, subclientId: Int,
                    appName: String = "File System", interruptEvery: Int? = nil,
                    finishedWords: [ScriptedJob.Outcome: [String]]? = nil) {
            self.interruptEvery = interruptEvery
            self.finishedWords = finishedWords
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
        .succeeded: ["Completed"],
        .warning: ["Completed w/ one or more warnings", "Completed w/ one or more errors", "Committed"],
        .failed: ["Failed", "Failed to Start"],
        .cancelled: ["Killed"],
    ]
    /// Not a final word: a failed job says it in the last tenth of its run.
    public static let cleanupWord = "Abnormal Terminated Cleanup"
    public static let interruptedWord = "Interrupted"
    /// Every status word of the API reference's list, in its order (its second "Pending" once):
    /// the fixed catalogue jobs 1...count.
    public static let catalogueWords = [
        "Running", "Waiting", "Pending", "Suspend", "Suspended", "Kill Pending", "Interrupt Pending", "Interrupted",
        "Queued", "Running (cannot be verified)", "Abnormal Terminated Cleanup", "Completed",
        "Completed w/ one or more errors", "Completed w/ one or more warnings", "Committed", "Failed", "Failed to Start",
        "Killed",
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

    /// The demo's subclients: a file server whose every second job is interrupted and resumes, a
    /// SQL instance that sometimes fails (with a failure reason), a laptop that warns or gets
    /// killed, a NAS share whose warnings are Committed.
    public static func demoSubclients() -> [Subclient] {
        [
            Subclient(schedule: ScriptedJob(id: "fs", name: "fs", waitSeconds: 6, runSeconds: 35, restSeconds: 15,
                                            outcomes: [.succeeded], sizeBytes: 12_884_901_888),
                      clientName: "WINTER", clientId: 2, backupsetId: 3, subclientId: 2, interruptEvery: 2),
            Subclient(schedule: ScriptedJob(id: "sql", name: "sql", waitSeconds: 10, runSeconds: 25, restSeconds: 20,
                                            outcomes: [.succeeded, .failed], sizeBytes: 4_294_967_296, phaseOffset: 9),
                      clientName: "SQL01", backupsetName: "SQLINSTANCE", subclientName: "daily", clientId: 5,
                      backupsetId: 11, subclientId: 17, appName: "SQL Server"),
            Subclient(schedule: ScriptedJob(id: "laptop", name: "laptop", waitSeconds: 8, runSeconds: 20, restSeconds: 25,
                                            outcomes: [.warning, .cancelled, .succeeded], sizeBytes: 734_003_200, phaseOffset: 21),
                      clientName: "LAPTOP-7", subclientName: "documents", clientId: 9, backupsetId: 14, subclientId: 31),
            Subclient(schedule: ScriptedJob(id: "nas", name: "nas", waitSeconds: 5, runSeconds: 30, restSeconds: 20,
                                            outcomes: [.warning, .succeeded], sizeBytes: 21_474_836_480, phaseOffset: 33),
                      clientName: "NAS01", subclientName: "projects", clientId: 12, backupsetId: 20, subclientId: 44,
                      appName: "NAS", finishedWords: [.warning: ["Committed"]]),
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
            if let id = Int(parts[1]), let word = Self.catalogueWord(id) {
                return render(JobList(total: 1, records: [catalogueRecord(id: id, word: word)]), xml: xml)
            }
            guard let id = Int(parts[1]), let found = job(id: id, now: now) else {
                return render(JobList(total: 0, records: []), xml: xml)
            }
            return render(JobList(total: 1, records: [record(found.subclient, found.run, now: now)]), xml: xml)
        case (.GET, 3, "Job") where parts[2] == "AdvancedDetails":
            return advancedDetails(id: Int(parts[1]), now: now, xml: xml)
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
        guard let id = (body["jobId"] as? NSNumber)?.intValue else {
            return .json(#"{"error":{"errList":[{"errorCode":2,"errLogMessage":"Job not found"}]}}"#)
        }
        let found: Found
        let word: String
        if let catalogue = Self.catalogueWord(id) {
            found = catalogueJob(id: id)
            word = catalogue
        } else if let scheduled = job(id: id, now: now) {
            found = scheduled
            word = statusWord(scheduled.subclient, scheduled.run)
        } else {
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
                    ("state", .string(word)), ("percentComplete", .int(Int64(run.progress))),
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

    /// The status word of a run: each phase and outcome rotates through its words cycle by cycle;
    /// an interrupted job says Interrupted while its progress is between 40 and 60%, a failing one
    /// Abnormal Terminated Cleanup from 90%.
    public func statusWord(_ subclient: Subclient, _ run: ScriptedJob.Run) -> String {
        switch run.phase {
        case .waiting:
            return Self.waitingWords[run.cycle % Self.waitingWords.count]
        case .running:
            if isInterrupted(subclient, run) { return Self.interruptedWord }
            let outcome = subclient.schedule.outcomes[run.cycle % subclient.schedule.outcomes.count]
            if outcome == .failed, run.progress >= 90 { return Self.cleanupWord }
            return Self.runningWords[run.cycle % Self.runningWords.count]
        case .finished(let outcome):
            let words = subclient.finishedWords?[outcome] ?? Self.finishedWords[outcome] ?? ["Completed"]
            // The k-th time this outcome comes up, not the cycle, picks the word: with two
            // outcomes alternating, cycle parity alone would never reach the second word.
            let occurrence = run.cycle / max(1, subclient.schedule.outcomes.count)
            return words[occurrence % words.count]
        }
    }

    func isInterrupted(_ subclient: Subclient, _ run: ScriptedJob.Run) -> Bool {
        guard let every = subclient.interruptEvery, every > 0, run.cycle % every == 0, run.phase == .running else { return false }
        return run.progress >= 40 && run.progress < 60
    }

    /// `pendingReason` as the server fills it: why a job waits, was interrupted, was committed or
    /// failed; empty otherwise.
    public func pendingReason(_ subclient: Subclient, _ run: ScriptedJob.Run) -> String {
        let word = statusWord(subclient, run)
        switch word {
        case Self.interruptedWord:
            return "The job was interrupted because the CommServe services restarted. It will resume automatically."
        case "Committed":
            return "The job was committed by user \(username): the data backed up so far is kept."
        case Self.cleanupWord, "Failed", "Failed to Start":
            return "Error Code: [19:857] Description: Backup of subclient \(subclient.subclientName) failed on client \(subclient.clientName)."
        default:
            return run.phase == .waiting ? "The job is waiting for resources (\(word))." : ""
        }
    }

    /// The `FailureReason` AdvancedDetails gives a failed job.
    public func failureReason(_ subclient: Subclient, _ run: ScriptedJob.Run) -> String {
        "The data path to the storage policy of \(subclient.clientName)/\(subclient.subclientName) is offline (job cycle \(run.cycle))."
    }

    private func advancedDetails(id: Int?, now: Double, xml: Bool) -> HTTPResponse {
        var reason: String?
        if let id, Self.catalogueWord(id) == nil, let found = job(id: id, now: now),
           case .finished(.failed) = found.run.phase {
            reason = failureReason(found.subclient, found.run)
        }
        let start = Int64(job(id: id ?? 0, now: now)?.run.started ?? 0)
        let end = Int64(job(id: id ?? 0, now: now)?.run.ended ?? 0)
        guard let reason else {
            return xml
                ? .text(#"<?xml version="1.0" encoding="UTF-8" standalone="no" ?>"# + "\n<JobManager_AdvanceJobDetailsResp>\n  <bkpInfo/>\n</JobManager_AdvanceJobDetailsResp>\n",
                        contentType: "application/xml; charset=utf-8")
                : .json(#"{"bkpInfo":{}}"#)
        }
        if xml {
            let escaped = SimulatedRecord.xmlEscape(reason)
            return .text(#"""
                <?xml version="1.0" encoding="UTF-8" standalone="no" ?>
                 <JobManager_AdvanceJobDetailsResp>
                   <bkpInfo>
                     <exchDbInfo>
                       <SourceDatabaseCounters TotalDBs="1" PendingDBs="0" SuccessfulDBs="0" FailedDBs="1" suspendedDBs="0" SkippedDBs="0" processingDBs="0" />
                       <SourceDatabaseStats ExchangeServerName="EXCH001" FailureReason="\#(escaped)" dbName="DB1" startTime="\#(start)" ApplicationSize="0" endTime="\#(end)" status="3" />
                     </exchDbInfo>
                   </bkpInfo>
                 </JobManager_AdvanceJobDetailsResp>

                """#, contentType: "application/xml; charset=utf-8")
        }
        return .json(#"{"bkpInfo":{"exchDbInfo":{"SourceDatabaseCounters":{"TotalDBs":1,"PendingDBs":0,"SuccessfulDBs":0,"FailedDBs":1,"suspendedDBs":0,"SkippedDBs":0,"processingDBs":0},"SourceDatabaseStats":[{"ExchangeServerName":"EXCH001","FailureReason":\#(JSONText.quote(reason)),"dbName":"DB1","startTime":\#(start),"ApplicationSize":0,"endTime":\#(end),"status":3}]}}}"#)
    }

    // MARK: - The catalogue of status words

    /// The word catalogue job `id` is frozen in, or nil when `id` is not one.
    public static func catalogueWord(_ id: Int) -> String? {
        id >= 1 && id <= catalogueWords.count ? catalogueWords[id - 1] : nil
    }

    static let catalogueSubclient = Subclient(
        schedule: ScriptedJob(id: "catalogue", name: "catalogue"), clientName: "CATALOGUE", subclientName: "status-words",
        clientId: 99, backupsetId: 99, subclientId: 99)

    /// A catalogue job: submitted an hour before the simulation began, ran ten minutes, and has
    /// said its word since.
    func catalogueJob(id: Int) -> Found {
        let created = epoch - 3600 + Double(id)
        let run = ScriptedJob.Run(cycle: id, id: "catalogue-\(id)", phase: .finished(.succeeded), progress: 50, created: created,
                                  started: created + 5, ended: created + 605, sizeBytes: 1_048_576)
        return Found(subclient: Self.catalogueSubclient, run: run)
    }

    func catalogueRecord(id: Int, word: String) -> SimulatedRecord {
        let found = catalogueJob(id: id)
        return record(found.subclient, found.run, now: found.run.ended ?? epoch, word: word, jobID: id)
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
    /// No `jobEndTime`: the reference's example has none, and a finished job's `lastUpdateTime`
    /// is its end.
    func record(_ subclient: Subclient, _ run: ScriptedJob.Run, now: Double, word fixedWord: String? = nil,
                jobID fixedID: Int? = nil) -> SimulatedRecord {
        let index = subclients.firstIndex { $0.jobID == subclient.jobID } ?? 0
        let word = fixedWord ?? statusWord(subclient, run)
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
            ("jobId", .int(Int64(fixedID ?? jobNumber(subclientIndex: index, cycle: run.cycle)))),
            ("jobStartTime", .int(Int64(started))),
            ("jobType", .string("Backup")),
            ("lastUpdateTime", .int(Int64(lastUpdate))),
            ("localizedBackupLevelName", .string(full ? "Full" : "Incremental")),
            ("localizedOperationName", .string("Backup")),
            ("localizedStatus", .string(word)),
            ("opType", .int(4)),
            ("pendingReason", .string(fixedWord == nil ? pendingReason(subclient, run) : "")),
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
