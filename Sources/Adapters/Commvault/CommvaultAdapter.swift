import BackupModel
import ExporterConfig
import FoundationEssentials
import Logging
import NIOHTTP1

/// Commvault REST (`vendor: commvault`): job = subclient, run = Commvault job.
///
/// The target URL is the web service root, e.g. `https://cs.example.net/webconsole/api` or
/// `http://cs:81/SearchSvc/CVWebService.svc`. Calls, relative to it:
/// - `POST /Login` with `{"username", "password": base64(password)}` answers a `token`, sent as
///   the `Authtoken` header (prefixed `QSDK ` when the server left that out). A refused login
///   answers HTTP 200 with an `errList` and no token: reason `auth`. Tokens time out after about
///   30 idle minutes; `LoginSession` logs in again once on a 401 (`POST /RenewLoginToken` would
///   also do, but needs the old token to still be known to the server, which after a CommServe
///   restart it is not; a fresh login always works).
/// - `GET /Job?completedJobLookupTime=<s>&jobFilter=Backup`, paged with the `limit` and `offset`
///   request **headers** (not query parameters), as the API reference documents. Without the
///   lookup window the server would look back a year, so it is always sent (`lookup_window`,
///   default 48h), and at most `max_jobs` (default 500) jobs are read per poll. Pages are taken in
///   the order the server sends them (newest first in the Command Center's list, and in our
///   simulator); with more jobs in the window than `max_jobs`, the rest is skipped and logged
///   once.
/// - `GET /Job/<jobId>/AdvancedDetails?infoType=16` for a job's newest run when it failed, once
///   per run id for the life of the adapter (`CommvaultFailureReasonCache`), never once per
///   poll: its `FailureReason` texts join the summary's `pendingReason` in the run's vendor
///   message. At most `maxDetailCallsPerPoll` such calls per poll (the first poll may find many
///   failed jobs); the rest are asked on the next poll. A failure of this call (an older server
///   without it, a 404, a timeout) never fails the poll: it is logged once, the run has no
///   failure reason, and that run is not asked about again.
/// - `POST /Logout` when the adapter is retired.
///
/// Status words (`CommvaultJobSummary.states`, `vendors/commvault.md`): finished exactly where
/// Commvault's own SDK says so (`cvpysdk` `Job.is_finished`): Interrupted waits and resumes
/// under the same job id, Committed is a warning, Abnormal Terminated Cleanup is unknown.
/// A run that is not a success carries `pendingReason` as its vendor message.
///
/// `job_id` is `clientId/backupsetId/subclientId` (ids survive renames); `job_name` is
/// `clientName/backupsetName/subclientName`. The config's `jobs:` list may name either
/// (`AdapterRegistry.jobKeys`); the daemon applies it.
/// A subclient with no job inside the lookup window is not listed, so its series go away: pick a
/// window longer than the longest gap between scheduled backups.
///
/// `cvpysdk` (Commvault's Python SDK) was read to check this flow: its login posts the same JSON
/// (plus `mode`, `deviceId`, `clientType`) and reads `token`, falling back to `errList[0].errLogMessage`;
/// it sends `Authtoken` on every call and retries a 401 through `RenewLoginToken`.
struct CommvaultAdapter: VendorAdapter {
    let connection: TargetConnection
    let logger: Logger
    let format: ResponseFormat
    /// Whole seconds, as the API takes them.
    let lookupWindow: Int
    let maxJobs: Int
    let pageSize: Int
    let errorsAsFailed: Bool
    let session: LoginSession
    let notices = LogOnce()
    let failureReasons = CommvaultFailureReasonCache()
    /// New `AdvancedDetails` calls one poll may make.
    static let maxDetailCallsPerPoll = 20
    private let auth: AuthConfiguration
    private let credentials: LoginCredentials?

    init(context: AdapterContext, options: CommvaultOptions, session: LoginSession = LoginSession()) {
        format = options.format
        lookupWindow = options.lookupWindow
        maxJobs = options.maxJobs
        pageSize = options.pageSize
        errorsAsFailed = options.errorsAsFailed
        credentials = LoginCredentials(context.target.auth)
        auth = context.target.auth
        connection = context.connection
        logger = context.logger
        self.session = session
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        let summaries = try await readJobs()
        var runsByJob: [String: (name: String, runs: [CommvaultJobSummary])] = [:]
        var seenRuns: Set<String> = []
        for summary in summaries where seenRuns.insert(summary.run.id).inserted {
            runsByJob[summary.jobID, default: (summary.jobName, [])].runs.append(summary)
        }
        var detailCalls = 0
        var jobs: [ObservedJob] = []
        for id in runsByJob.keys.sorted() {
            guard let entry = runsByJob[id] else { continue }
            let ordered = entry.runs.sorted { a, b in
                a.sortKey.start != b.sortKey.start ? a.sortKey.start > b.sortKey.start : a.sortKey.jobNumber > b.sortKey.jobNumber
            }
            var runs: [ObservedRun] = []
            for (index, summary) in ordered.enumerated() {
                var run = summary.run
                var parts = run.state == .succeeded ? [] : [summary.pendingReason].compactMap { $0 }
                // Only a job's newest run reaches the journal and /status: only it is worth a call.
                if index == 0, run.state == .failed {
                    parts += await failureReasons(runID: run.id, calls: &detailCalls)
                }
                run.vendorMessage = auth.vendorMessage(Self.distinct(parts))
                runs.append(run)
            }
            jobs.append(ObservedJob(id: id, name: entry.name, runs: runs))
        }
        return jobs
    }

    private static func distinct(_ parts: [String]) -> [String] {
        var seen: Set<String> = []
        return parts.filter { seen.insert($0).inserted }
    }

    /// The run's `FailureReason` texts: from the cache, else from one `AdvancedDetails` call
    /// (while this poll has calls left). Never throws: a failed call is logged once and cached
    /// as "no reason".
    private func failureReasons(runID: String, calls: inout Int) async -> [String] {
        if let known = await failureReasons.reasons(for: runID) { return known }
        guard let path = CommvaultFailureReasons.path(runID: runID), calls < Self.maxDetailCallsPerPoll else { return [] }
        calls += 1
        do {
            let found = try await fetchFailureReasons(path)
            await failureReasons.store(found, for: runID)
            return found
        } catch {
            await failureReasons.store([], for: runID)
            if await notices.first("advanced-details") {
                logger.warning("cannot read a failed job's failure reason (AdvancedDetails); failed runs show pendingReason only",
                               metadata: ["job_id": "\(runID)", "reason": "\(error.reason.rawValue)", "error": "\(error.message)"])
            }
            return []
        }
    }

    private func fetchFailureReasons(_ path: String) async throws(PollError) -> [String] {
        let format = self.format
        let connection = self.connection
        let response = try await session.withToken(login: login) { token throws(PollError) in
            let headers: HTTPHeaders = ["Authtoken": token, "Accept": format.accept]
            let response = try await connection.send(.GET, path, headers: headers)
            try response.requireSuccess()
            return response
        }
        if ContentTypeSniff.isXML(response, asked: format) {
            return CommvaultFailureReasons.parse(xml: try XMLTree.parse(response.bodyBytes, context: "GET /Job/<id>/AdvancedDetails"))
        }
        return CommvaultFailureReasons.parse(json: try response.json())
    }

    func shutdown() async {
        guard let token = await session.currentToken else { return }
        await session.invalidate()
        let headers: HTTPHeaders = ["Authtoken": token.value, "Accept": "application/json"]
        do {
            try await connection.send(.POST, "/Logout", headers: headers).requireSuccess()
        } catch {
            logger.debug("logout failed", metadata: ["error": "\(error)"])
        }
    }

    /// Every page of the window, up to `maxJobs` summaries.
    private func readJobs() async throws(PollError) -> [CommvaultJobSummary] {
        let path = "/Job?completedJobLookupTime=\(lookupWindow)&jobFilter=Backup"
        var summaries: [CommvaultJobSummary] = []
        var offset = 0
        var more = true
        var total: Int?
        while more, summaries.count < maxJobs {
            let limit = min(pageSize, maxJobs - summaries.count)
            let page = try await fetchPage(path, offset: offset, limit: limit)
            for summary in page.summaries {
                summaries.append(try CommvaultJobSummary(summary: summary, errorsAsFailed: errorsAsFailed, context: "GET /Job"))
            }
            offset += page.summaries.count
            total = page.total ?? total
            // A short page is the last one; so is reaching the total the server announced.
            more = page.summaries.count == limit && total.map { offset < $0 } ?? true
        }
        if more, await notices.first("max_jobs") {
            logger.warning("more backup jobs in the lookup window than max_jobs; older ones are skipped",
                           metadata: ["max_jobs": "\(maxJobs)", "total": "\(total.map(String.init) ?? "unknown")"])
        }
        return summaries
    }

    private func fetchPage(_ path: String, offset: Int, limit: Int) async throws(PollError) -> CommvaultJobList {
        let format = self.format
        let connection = self.connection
        let response = try await session.withToken(login: login) { token throws(PollError) in
            let headers: HTTPHeaders = [
                "Authtoken": token, "Accept": format.accept, "limit": String(limit), "offset": String(offset),
            ]
            let response = try await connection.send(.GET, path, headers: headers)
            try response.requireSuccess()
            return response
        }
        if ContentTypeSniff.isXML(response, asked: format) {
            return try CommvaultJobList(xml: try XMLTree.parse(response.bodyBytes, context: "GET /Job"), context: "GET /Job")
        }
        return try CommvaultJobList(json: try response.json(), context: "GET /Job")
    }

    private var login: LoginSession.Login {
        let connection = self.connection
        let credentials = self.credentials
        return { _ throws(PollError) in
            try await Self.login(connection: connection, credentials: LoginCredentials.required(credentials, for: "POST /Login"))
        }
    }

    static func login(connection: TargetConnection, credentials: LoginCredentials) async throws(PollError) -> LoginSession.Token {
        let encoded = Data(credentials.password.reveal().utf8).base64EncodedString()
        let bytes = try JSONLoginBody.encode(username: credentials.username, password: encoded, call: "POST /Login")
        let headers: HTTPHeaders = ["Accept": "application/json", "Content-Type": "application/json"]
        let answer = try await connection.send(.POST, "/Login", headers: headers, body: bytes).json()
        if let token = answer["token"]?.string, !token.isEmpty {
            return LoginSession.Token(value: token.hasPrefix("QSDK ") ? token : "QSDK " + token)
        }
        if let error = answer["errList"]?.array?.first {
            let message = error["errLogMessage"]?.string ?? "no message"
            let code = error["errorCode"]?.string.map { " (errorCode \($0))" } ?? ""
            throw PollError(.auth, "POST /Login: login refused: \(message)\(code)")
        }
        throw PollError(.auth, "POST /Login: answer carries no token")
    }
}
