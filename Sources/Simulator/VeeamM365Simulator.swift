import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import WebServer

/// A simulated Veeam Backup for Microsoft 365 REST server (`/v6` to `/v8`).
///
/// Shapes follow the OpenAPI models the PyPI package `veeam-365` ships, so that SDK reads this
/// server through its typed models: `POST /v<N>/Token` takes a form (password and refresh
/// grants) and answers `access_token`, `refresh_token`, `expires_in`, `.issued`, `.expires`;
/// wrong credentials get 400 `invalid_grant`. `GET /v<N>/Jobs` is a plain array up to v7 and a
/// page (`offset`, `limit`, `results`) in v8; `GET /v<N>/JobSessions` is always a page, newest
/// first, filtered by `jobId` from v7 on (v6 ignores the parameter, as its schema has none, and
/// lists a job's sessions at `/v6/Jobs/{id}/JobSessions` instead); only v8 sessions carry `jobId`.
/// Paths are matched without
/// regard to case, as the real (ASP.NET) server does: the SDK posts to `/v8/token`.
///
/// Ids are GUIDs (the SDK parses them): a session id is the job id's first group, a fixed middle
/// and the cycle number in hex. Times carry 7 fractional digits and `Z`. A rejected bearer token
/// gets 401 with an empty body, which is what the SDK documents for the real server.
///
/// The order of a sessions listing is not documented, so the simulator serves both: newest
/// first by default, oldest first for the jobs in `oldestFirstJobIDs`. Jobs carry the fields of
/// the seed's `/Jobs/{id}` example (`lastRun`, `nextRun`, `isEnabled`, `lastStatus`); a failed or
/// warned session carries `details` and (v7, v8) `jobWillBeRetried`. `fixedJobs` are jobs that
/// do not run: a disabled one with old sessions, one whose sessions were purged (only its
/// `lastStatus` and `lastRun` tell how it last went).
///
/// Vendor-specific fault switches: `expireTokens(afterCalls:)`, `revokeAllTokens()`,
/// `rejectRefreshTokens`, and `servedVersions` at init (a version not served answers 404).
public final class VeeamM365Simulator: IssuesAccessTokens {
    public typealias Credentials = LoginCredentials

    /// A job that does not run on a schedule: what it shows is fixed.
    public struct FixedJob: Sendable, Equatable {
        public var id: String
        public var name: String
        public var isEnabled: Bool
        public var lastStatus: String
        /// When its last run started (Unix seconds), as `lastRun`.
        public var lastRun: Double?
        public var nextRun: Double?
        /// Its sessions still on the server (none once purged).
        public var sessions: [FixedSession]

        public init(id: String, name: String, isEnabled: Bool, lastStatus: String, lastRun: Double?, nextRun: Double? = nil,
                    sessions: [FixedSession] = []) {
            self.id = id
            self.name = name
            self.isEnabled = isEnabled
            self.lastStatus = lastStatus
            self.lastRun = lastRun
            self.nextRun = nextRun
            self.sessions = sessions
        }
    }

    /// A finished session of a `FixedJob`.
    public struct FixedSession: Sendable, Equatable {
        public var id: String
        public var status: String
        public var creationTime: Double
        public var endTime: Double
        public var details: String
        public var objects: Int
        public var bytes: Int64

        public init(id: String, status: String, creationTime: Double, endTime: Double, details: String = "", objects: Int = 0, bytes: Int64 = 0) {
            self.id = id
            self.status = status
            self.creationTime = creationTime
            self.endTime = endTime
            self.details = details
            self.objects = objects
            self.bytes = bytes
        }
    }

    /// Counters a test reads to prove what the adapter did.
    public struct Counters: Sendable, Equatable {
        public var passwordLogins = 0
        public var refreshLogins = 0
        public var refusedLogins = 0
        /// API calls answered 401 because the token was unknown, expired or used up.
        public var rejectedTokens = 0
        /// `method path?query` of every API call after authentication, in order.
        public var calls: [String] = []
    }

    private struct State {
        var refreshTokens: Set<String> = []
        /// Every refresh token ever handed out, used ones included.
        var issuedRefreshTokens: [String] = []
        var rejectRefresh = false
        var counters = Counters()
    }

    public let jobs: [ScriptedJob]
    public let credentials: Credentials
    public let clock: SimulatorClock
    /// When cycle 0 of every job starts (plus its phase offset).
    public let epoch: Double
    /// Versions answered; the others give 404, to drive the adapter's fallback.
    public let servedVersions: Set<String>
    /// `expires_in` of every access token.
    public let tokenLifetime: Double
    /// Sessions kept per job (the newest ones).
    public let historyLimit: Int
    /// Jobs whose sessions are listed oldest first (the others newest first).
    public let oldestFirstJobIDs: Set<String>
    public let fixedJobs: [FixedJob]
    private let state = NIOLockedValueBox(State())
    public let accessTokens = SimulatedAccessTokens(prefix: "vbo-access")

    public init(jobs: [ScriptedJob], credentials: Credentials, clock: SimulatorClock, epoch: Double,
                servedVersions: Set<String> = ["v6", "v7", "v8"], tokenLifetime: Double = 3600, historyLimit: Int = 50,
                oldestFirstJobIDs: Set<String> = [], fixedJobs: [FixedJob] = []) {
        self.jobs = jobs
        self.oldestFirstJobIDs = Set(oldestFirstJobIDs.map { $0.lowercased() })
        self.fixedJobs = fixedJobs
        self.credentials = credentials
        self.clock = clock
        self.epoch = epoch
        self.servedVersions = Set(servedVersions.map { $0.lowercased() })
        self.tokenLifetime = tokenLifetime
        self.historyLimit = historyLimit
    }

    /// The demo's jobs: different rhythms and outcomes so every state shows within minutes.
    public static func demoJobs() -> [ScriptedJob] {
        [
            ScriptedJob(id: "3c407448-4d05-432f-a651-144827bed5ce", name: "Exchange mailboxes", waitSeconds: 6, runSeconds: 45, restSeconds: 15,
                        outcomes: [.succeeded, .warning], sizeBytes: 3_221_225_472),
            ScriptedJob(id: "8f2e6b1a-93c4-4d7e-b0a5-5c1d2e3f4a6b", name: "OneDrive", waitSeconds: 10, runSeconds: 30, restSeconds: 20,
                        outcomes: [.succeeded, .failed], sizeBytes: 1_610_612_736, phaseOffset: 9),
            ScriptedJob(id: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", name: "SharePoint \"Teams\" sites", waitSeconds: 8, runSeconds: 25, restSeconds: 25,
                        outcomes: [.succeeded, .cancelled], sizeBytes: 805_306_368, phaseOffset: 21),
        ]
    }

    /// The demo's jobs that do not run: a disabled job whose old sessions are still listed, and
    /// a job whose sessions were purged. `now` is when the demo starts.
    public static func demoFixedJobs(now: Double) -> [FixedJob] {
        let day = 86_400.0
        return [
            FixedJob(id: "5e0a7c21-4b8d-4f3e-9a61-2d7c8e9f0b13", name: "Former employees (disabled)", isEnabled: false,
                     lastStatus: "Failed", lastRun: now - 3 * day, sessions: [
                        FixedSession(id: "5e0a7c21-5e55-4000-8000-00000000f002", status: "Failed", creationTime: now - 3 * day,
                                     endTime: now - 3 * day + 95,
                                     details: "Failed to process mailbox archive@contoso.example: the mailbox is not licensed",
                                     objects: 3),
                        FixedSession(id: "5e0a7c21-5e55-4000-8000-00000000f001", status: "Success", creationTime: now - 4 * day,
                                     endTime: now - 4 * day + 610, objects: 40, bytes: 734_003_200),
                     ]),
            FixedJob(id: "7d4b2e90-1c3a-4e5f-8b6d-9a0c1e2f3a4b", name: "Legal hold (sessions purged)", isEnabled: true,
                     lastStatus: "Warning", lastRun: now - 40 * day, nextRun: now + 20 * day),
        ]
    }

    // MARK: - Fault switches and counters

    /// Every access token issued so far (expired and revoked ones included).
    public var issuedAccessTokens: [String] { accessTokens.issuedTokens }

    /// Every refresh token issued so far (used ones included).
    public var issuedRefreshTokens: [String] { state.withLockedValue { $0.issuedRefreshTokens } }

    /// Makes the refresh grant answer 400 `invalid_grant`, as an expired refresh token does.
    public var rejectRefreshTokens: Bool {
        get { state.withLockedValue { $0.rejectRefresh } }
        set { state.withLockedValue { $0.rejectRefresh = newValue } }
    }

    public var counters: Counters {
        var counters = state.withLockedValue { $0.counters }
        counters.rejectedTokens = accessTokens.rejected
        return counters
    }

    // MARK: - Routing

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let parts = request.path.split(separator: "/").map { $0.lowercased() }
        guard let version = parts.first, version.hasPrefix("v"), Int(version.dropFirst()) != nil else { return Self.notFound() }
        guard servedVersions.contains(version) else { return Self.notFound() }
        let now = clock.now()
        if parts.count == 2, parts[1] == "token" {
            guard request.method == .POST else { return Self.methodNotAllowed() }
            return token(request, now: now)
        }
        guard request.method == .GET else { return Self.methodNotAllowed() }
        guard authorise(request.headers, now: now) else {
            var response = HTTPResponse(status: .unauthorized)
            response.headers.add(name: "WWW-Authenticate", value: "Bearer")
            return response
        }
        state.withLockedValue { $0.counters.calls.append("GET \(request.uri)") }
        let query = request.query
        let base = "https://localhost:4443/\(version)"
        switch (parts.count, parts.dropFirst().first ?? "") {
        case (2, "jobs"):
            let rendered = jobs.map { renderJob($0, base: base, now: now) } + fixedJobs.map { renderFixedJob($0, base: base) }
            guard version == "v8" else { return .json("[" + rendered.joined(separator: ",") + "]") }
            return .json(page(rendered, query: query, link: "\(base)/Jobs", defaultLimit: rendered.count))
        case (3, "jobs"):
            if let fixed = fixedJob(id: parts[2]) { return .json(renderFixedJob(fixed, base: base)) }
            guard let job = job(id: parts[2]) else { return Self.notFound() }
            return .json(renderJob(job, base: base, now: now))
        case (4, "jobs") where parts[3] == "jobsessions" && version == "v6":
            guard let id = jobIDs.first(where: { $0.lowercased() == parts[2] }) else { return Self.notFound() }
            let sessions = listing(jobIDs: [id], version: version, base: base, now: now)
            return .json(page(sessions, query: query, link: "\(base)/Jobs/\(id)/JobSessions", defaultLimit: 30))
        case (2, "jobsessions"):
            // v6 has no jobId filter: it lists every job's sessions, which an adapter must cope with.
            let selected = version == "v6" ? jobIDs : jobIDs.filter { id in query["jobId"].map { id.lowercased() == $0.lowercased() } ?? true }
            let sessions = listing(jobIDs: selected, version: version, base: base, now: now)
            return .json(page(sessions, query: query, link: "\(base)/JobSessions", defaultLimit: 30))
        case (3, "jobsessions"):
            for fixed in fixedJobs {
                if let session = fixed.sessions.first(where: { $0.id.lowercased() == parts[2] }) {
                    return .json(renderFixedSession(session, job: fixed, version: version, base: base))
                }
            }
            guard let (job, cycle) = session(id: parts[2]) else { return Self.notFound() }
            let run = job.run(cycle: cycle, now: now, epoch: epoch)
            guard run.created <= now else { return Self.notFound() }
            return .json(renderSession(job: job, run: run, version: version, base: base))
        default:
            return Self.notFound()
        }
    }

    private func token(_ request: HTTPRequest, now: Double) -> HTTPResponse {
        let form = FormDecoding.decode(request.bodyText)
        let grant = form["grant_type"] ?? ""
        let accepted: Bool = state.withLockedValue { state in
            switch grant {
            case "password":
                let ok = form["username"] == credentials.username && form["password"] == credentials.password
                if ok { state.counters.passwordLogins += 1 } else { state.counters.refusedLogins += 1 }
                return ok
            case "refresh_token":
                guard !state.rejectRefresh, let refresh = form["refresh_token"], state.refreshTokens.remove(refresh) != nil else {
                    state.counters.refusedLogins += 1
                    return false
                }
                state.counters.refreshLogins += 1
                return true
            default:
                return false
            }
        }
        guard grant == "password" || grant == "refresh_token" else {
            return .json(#"{"error":"unsupported_grant_type"}"#, status: .badRequest)
        }
        guard accepted else {
            return .json(#"{"error":"invalid_grant","error_description":"The user name or password is incorrect."}"#, status: .badRequest)
        }
        let access = accessTokens.issue(now: now, lifetime: tokenLifetime)
        let refresh = "vbo-refresh-\(UUID().uuidString.lowercased())"
        state.withLockedValue { _ = $0.refreshTokens.insert(refresh); $0.issuedRefreshTokens.append(refresh) }
        let body = #"{"access_token":"\#(access)","token_type":"bearer","expires_in":\#(Int(tokenLifetime)),"refresh_token":"\#(refresh)","userName":\#(JSONText.quote(credentials.username)),".issued":"\#(Self.iso(now))",".expires":"\#(Self.iso(now + tokenLifetime))"}"#
        return .json(body)
    }

    private func authorise(_ headers: HTTPHeaders, now: Double) -> Bool {
        let bearer = headers.first(name: "Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst("Bearer ".count)) : nil }
        return accessTokens.authorise(bearer, now: now)
    }

    // MARK: - Data

    private func job(id: String) -> ScriptedJob? {
        jobs.first { $0.id.lowercased() == id.lowercased() }
    }

    private func fixedJob(id: String) -> FixedJob? {
        fixedJobs.first { $0.id.lowercased() == id.lowercased() }
    }

    /// Every job's id, scripted ones first, as `GET /Jobs` lists them.
    private var jobIDs: [String] { jobs.map(\.id) + fixedJobs.map(\.id) }

    /// The sessions of `jobIDs`, rendered: newest first by creation time, or oldest first when
    /// the listing is of one job and that job is listed so.
    private func listing(jobIDs: [String], version: String, base: String, now: Double) -> [String] {
        var entries: [(created: Double, id: String, json: String)] = []
        for id in jobIDs {
            if let job = job(id: id) {
                for run in job.runs(now: now, epoch: epoch, limit: historyLimit) {
                    entries.append((run.created, sessionID(job: job, cycle: run.cycle), renderSession(job: job, run: run, version: version, base: base)))
                }
            } else if let fixed = fixedJob(id: id) {
                for session in fixed.sessions {
                    entries.append((session.creationTime, session.id, renderFixedSession(session, job: fixed, version: version, base: base)))
                }
            }
        }
        entries.sort { $0.created != $1.created ? $0.created > $1.created : $0.id > $1.id }
        if jobIDs.count == 1, let only = jobIDs.first, oldestFirstJobIDs.contains(only.lowercased()) { entries.reverse() }
        return entries.map(\.json)
    }

    /// `<first group of the job id>-5e55-4000-8000-<cycle as 12 hex digits>`.
    func sessionID(job: ScriptedJob, cycle: Int) -> String {
        let prefix = job.id.split(separator: "-").first.map(String.init) ?? "00000000"
        let hex = String(cycle, radix: 16)
        return "\(prefix)-5e55-4000-8000-\(String(repeating: "0", count: max(0, 12 - hex.count)))\(hex)"
    }

    private func session(id: String) -> (ScriptedJob, Int)? {
        let groups = id.split(separator: "-")
        guard groups.count == 5, let cycle = Int(groups[4], radix: 16),
              let job = jobs.first(where: { $0.id.lowercased().hasPrefix(groups[0] + "-") }) else { return nil }
        return (job, cycle)
    }

    private func page(_ items: [String], query: [String: String], link: String, defaultLimit: Int) -> String {
        let offset = max(0, query["offset"].flatMap(Int.init) ?? 0)
        let limit = max(0, query["limit"].flatMap(Int.init) ?? defaultLimit)
        let slice = items.dropFirst(offset).prefix(limit)
        return #"{"offset":\#(offset),"limit":\#(limit),"results":[\#(slice.joined(separator: ","))],"_links":{"self":{"href":"\#(link)?offset=\#(offset)&limit=\#(limit)"}}}"#
    }

    /// The word a session's status shows. Cancelled runs rotate through `Stopped` and the two
    /// words the adapter must not map (`Disconnected`, `NotConfigured`), so every word is served.
    static func statusWord(_ phase: ScriptedJob.Run.Phase, cycle: Int) -> String {
        switch phase {
        case .waiting: return "Queued"
        case .running: return "Running"
        case .finished(.succeeded): return "Success"
        case .finished(.warning): return "Warning"
        case .finished(.failed): return "Failed"
        case .finished(.cancelled): return ["Stopped", "Disconnected", "NotConfigured"][cycle % 3]
        }
    }

    /// Objects (mailboxes, sites, drives) a run has processed: 120 for a whole run.
    private static func objects(job: ScriptedJob, run: ScriptedJob.Run) -> Int {
        guard job.sizeBytes > 0 else { return 0 }
        return Int((run.sizeBytes / job.sizeBytes * 120).rounded())
    }

    func renderSession(job: ScriptedJob, run: ScriptedJob.Run, version: String, base: String) -> String {
        let id = sessionID(job: job, cycle: run.cycle)
        let objects = Self.objects(job: job, run: run)
        var fields = [#""id":"\#(id)""#]
        // Only v8's schema has `jobId` on a session (v7 filters by it but does not return it).
        if version == "v8" { fields.append(#""jobId":"\#(job.id)""#) }
        let (details, retried) = Self.details(run.phase, objects: objects, cycle: run.cycle)
        fields.append(#""details":\#(JSONText.quote(details))"#)
        fields.append(#""creationTime":"\#(Self.iso(run.created))""#)
        if let ended = run.ended { fields.append(#""endTime":"\#(Self.iso(ended))""#) }
        fields.append(#""retryCount":0"#)
        // `jobWillBeRetried` is in the v7 and v8 schemas only.
        if version != "v6", case .finished = run.phase { fields.append(#""jobWillBeRetried":\#(retried)"#) }
        fields.append(#""progress":\#(objects)"#)
        if version != "v6" { fields.append(#""jobType":"Backup""#) }
        fields.append(#""status":"\#(Self.statusWord(run.phase, cycle: run.cycle))""#)
        let elapsed = max(1, (run.ended ?? clock.now()) - (run.started ?? run.created))
        let bytes = Int64(run.sizeBytes)
        fields.append(#""statistics":{"processingRateBytesPS":\#(Int64(Double(bytes) / elapsed)),"processingRateItemsPS":\#(Int(Double(objects) / elapsed)),"readRateBytesPS":\#(Int64(Double(bytes) / elapsed)),"writeRateBytesPS":\#(Int64(Double(bytes) / elapsed / 2)),"transferredDataBytes":\#(bytes),"processedObjects":\#(objects * 37),"bottleneck":"\#(run.phase == .running ? "Detecting" : "Source")"}"#)
        fields.append(#""_links":{"self":{"href":"\#(base)/JobSessions/\#(id)"},"job":{"href":"\#(base)/Jobs/\#(job.id)"},"log":{"href":"\#(base)/JobSessions/\#(id)/LogItems"}}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `details` and `jobWillBeRetried` of a session: the vendor's words for a failed or warned
    /// one (every other failure is retried), empty otherwise.
    static func details(_ phase: ScriptedJob.Run.Phase, objects: Int, cycle: Int) -> (String, Bool) {
        switch phase {
        case .finished(.failed):
            return ("Failed to process mailbox user\(cycle % 7)@contoso.example: the remote server returned an error: (503) Server Unavailable.\nProcessed \(objects) of 120 objects.", cycle % 2 == 0)
        case .finished(.warning):
            return ("Processing completed with warnings: 3 items were skipped (item size exceeds the limit).", false)
        default:
            return ("", false)
        }
    }

    func renderFixedSession(_ session: FixedSession, job: FixedJob, version: String, base: String) -> String {
        var fields = [#""id":"\#(session.id)""#]
        if version == "v8" { fields.append(#""jobId":"\#(job.id)""#) }
        fields.append(#""details":\#(JSONText.quote(session.details))"#)
        fields.append(#""creationTime":"\#(Self.iso(session.creationTime))""#)
        fields.append(#""endTime":"\#(Self.iso(session.endTime))""#)
        fields.append(#""retryCount":0"#)
        if version != "v6" { fields.append(#""jobWillBeRetried":false"#) }
        fields.append(#""progress":\#(session.objects)"#)
        if version != "v6" { fields.append(#""jobType":"Backup""#) }
        fields.append(#""status":"\#(session.status)""#)
        let elapsed = max(1, session.endTime - session.creationTime)
        fields.append(#""statistics":{"processingRateBytesPS":\#(Int64(Double(session.bytes) / elapsed)),"processingRateItemsPS":\#(Int(Double(session.objects) / elapsed)),"readRateBytesPS":\#(Int64(Double(session.bytes) / elapsed)),"writeRateBytesPS":\#(Int64(Double(session.bytes) / elapsed / 2)),"transferredDataBytes":\#(session.bytes),"processedObjects":\#(session.objects * 37),"bottleneck":"Source"}"#)
        fields.append(#""_links":{"self":{"href":"\#(base)/JobSessions/\#(session.id)"},"job":{"href":"\#(base)/Jobs/\#(job.id)"}}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    func renderFixedJob(_ job: FixedJob, base: String) -> String {
        var fields = [#""id":"\#(job.id)""#, #""name":\#(JSONText.quote(job.name))"#, #""description":"""#]
        fields.append(#""lastRun":\#(job.lastRun.map { "\"\(Self.iso($0))\"" } ?? "null")"#)
        fields.append(#""nextRun":\#(job.nextRun.map { "\"\(Self.iso($0))\"" } ?? "null")"#)
        fields.append(#""isEnabled":\#(job.isEnabled)"#)
        fields.append(#""backupType":"SelectedItems""#)
        fields.append(#""lastStatus":"\#(job.lastStatus)""#)
        fields.append(#""_links":{"self":{"href":"\#(base)/Jobs/\#(job.id)"},"jobsessions":{"href":"\#(base)/Jobs/\#(job.id)/JobSessions"}}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    func renderJob(_ job: ScriptedJob, base: String, now: Double) -> String {
        let runs = job.runs(now: now, epoch: epoch, limit: 1)
        var fields = [#""id":"\#(job.id)""#, #""name":\#(JSONText.quote(job.name))"#, #""description":"""#]
        if let last = runs.last {
            fields.append(#""lastRun":"\#(Self.iso(last.created))""#)
            fields.append(#""nextRun":"\#(Self.iso(last.created + job.cycleSeconds))""#)
            fields.append(#""lastStatus":"\#(Self.statusWord(last.phase, cycle: last.cycle))""#)
        }
        fields.append(#""isEnabled":true"#)
        fields.append(#""backupType":"SelectedItems""#)
        fields.append(#""_links":{"self":{"href":"\#(base)/Jobs/\#(job.id)"},"jobsessions":{"href":"\#(base)/Jobs/\#(job.id)/JobSessions"}}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `2018-05-30T12:19:14.7927466Z`: seven fractional digits, as the server writes them.
    static func iso(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let ticks = Int(((seconds - whole) * 10_000_000).rounded())
        let date = Date(timeIntervalSince1970: whole)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%07ldZ",
                      c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0, min(ticks, 9_999_999))
    }

    static func notFound() -> HTTPResponse {
        .json(#"{"message":"No HTTP resource was found that matches the request URI."}"#, status: .notFound)
    }

    static func methodNotAllowed() -> HTTPResponse {
        .json(#"{"message":"The requested resource does not support this HTTP method."}"#, status: .methodNotAllowed)
    }
}
