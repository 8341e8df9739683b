import BackupModel
import ExporterConfig
import FoundationEssentials
import Logging
import NIOHTTP1

/// Veeam Backup for Microsoft 365 REST (`vendor: veeam_m365`): job = backup job, run = job session.
///
/// Calls, relative to the target URL (`https://<server>:4443`):
/// - `POST /v<N>/Token` with a form body, password grant; later the refresh grant with the
///   refresh token, shortly before `expires_in` runs out. A refused refresh falls back to the
///   password. Wrong credentials answer 400 `invalid_grant`, which is reason `auth`.
/// - `GET /v<N>/Jobs?limit=&offset=`: a plain array up to v7, a page object from v8 on (both
///   accepted on every version; pages are followed until a short one).
/// - `GET /v<N>/JobSessions?jobId=&limit=&offset=` (v7, v8) or `GET /v6/Jobs/<id>/JobSessions`
///   (v6 has no `jobId` filter), `options.page_size` at a time.
///
/// The order of a sessions listing is not documented (neither the OpenAPI documents in the SDK
/// nor the reference pages say how `JobSessions` is sorted, and the call has no sort parameter),
/// so no order is assumed: every page of the job's sessions is read, up to `maxSessionPages`
/// pages, and the `options.sessions_per_job` (default 5) newest by `creationTime` are reported,
/// newest first. A listing longer than the cap is logged once per job: if such a server listed
/// oldest first, the newest sessions would be past the cap.
///
/// The job's own fields come too (`VeeamM365Job`): `isEnabled`, `nextRun`, and `lastStatus` with
/// `lastRun` as the summary the store shows for a job whose sessions were purged. A failed or
/// warned session's `details` (and `jobWillBeRetried`) become the run's vendor message, with the
/// target's password redacted.
///
/// The version comes from `options.api_version` (default v8). When the token endpoint of that
/// version answers 404 the next older one is tried (v8 → v7 → v6) and the one that answered is
/// logged.
///
/// Verified against the OpenAPI models of PyPI `veeam-365` 0.4.1 (paths, field names, status
/// enums, the `.issued`/`.expires` token fields); not against a live server.
struct VeeamM365Adapter: VendorAdapter {
    /// Pages of jobs read at most per poll: a guard against a server that ignores `offset`.
    static let maxJobPages = 100
    /// Pages of one job's sessions read at most per poll (2,000 sessions at the default page size).
    static let maxSessionPages = 20

    let connection: TargetConnection
    let credentials: LoginCredentials?
    let preferredVersion: VeeamM365APIVersion
    let sessionsPerJob: Int
    let pageSize: Int
    let jobFilter: JobFilter
    let auth: AuthConfiguration
    let logger: Logger
    let notices = LogOnce()
    let session: LoginSession
    let versions = VeeamM365VersionMemory()
    let clock: @Sendable () -> Double

    /// `clock` decides when a token counts as expiring; tests drive it.
    init(context: AdapterContext, options: VeeamM365Options, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        connection = context.connection
        credentials = LoginCredentials(context.target.auth)
        preferredVersion = options.apiVersion
        sessionsPerJob = options.sessionsPerJob
        pageSize = options.pageSize
        jobFilter = context.jobFilter
        auth = context.target.auth
        logger = context.logger
        self.clock = clock
        session = LoginSession(renewalMargin: 60, clock: clock)
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        // Sessions are read only for the jobs the daemon will keep: one call per job saved.
        let jobs = try await listJobs().filter { jobFilter.selects(id: $0.id, name: $0.name) }
        var observed: [ObservedJob] = []
        observed.reserveCapacity(jobs.count)
        for job in jobs {
            let runs = try await readSessions(jobID: job.id)
            observed.append(ObservedJob(id: job.id, name: job.name, runs: runs, enabled: job.enabled,
                                        nextRunTime: job.nextRunTime, summaryRun: job.summaryRun))
        }
        return observed
    }

    // MARK: - Jobs and sessions

    private func listJobs() async throws(PollError) -> [VeeamM365Job] {
        var jobs: [VeeamM365Job] = []
        var seen = Set<String>()
        var offset = 0
        for _ in 0..<Self.maxJobPages {
            let (json, context) = try await get { [offset, pageSize] version in "/\(version.rawValue)/Jobs?limit=\(pageSize)&offset=\(offset)" }
            let page: [JSONValue]
            let isPaged: Bool
            if let array = json.array {
                page = array
                isPaged = false
            } else if let results = json["results"]?.array {
                page = results
                isPaged = true
            } else {
                throw PollError(.decode, "\(context): expected a list of jobs or a page with results")
            }
            var added = 0
            for entry in page {
                let job = try VeeamM365Job(json: entry, context: context)
                if seen.insert(job.id.lowercased()).inserted {
                    jobs.append(job)
                    added += 1
                }
            }
            // The server may cap `limit` below what was asked: its own `limit` says what a full page is.
            let fullPage = min(pageSize, json["limit"]?.double.map { Int($0) } ?? pageSize)
            guard isPaged, added > 0, page.count >= max(1, fullPage) else { break }
            offset += page.count
        }
        return jobs
    }

    /// Every page of the job's sessions (up to the cap), then the newest `sessionsPerJob` by
    /// `creationTime`: the listing's order is not documented, so position says nothing.
    private func readSessions(jobID: String) async throws(PollError) -> [ObservedRun] {
        let escaped = PercentEscape.component(jobID)
        var sessions: [VeeamM365Session] = []
        var seen = Set<String>()
        var offset = 0
        var complete = false
        for _ in 0..<Self.maxSessionPages {
            let (json, context) = try await get { [offset, pageSize] version in
                version.filtersSessionsByJobID
                    ? "/\(version.rawValue)/JobSessions?jobId=\(escaped)&limit=\(pageSize)&offset=\(offset)"
                    : "/\(version.rawValue)/Jobs/\(escaped)/JobSessions?limit=\(pageSize)&offset=\(offset)"
            }
            guard let page = json["results"]?.array ?? json.array else {
                throw PollError(.decode, "\(context): expected a page of job sessions")
            }
            var added = 0
            for entry in page {
                let session = try VeeamM365Session(json: entry, context: context)
                guard seen.insert(session.run.id.lowercased()).inserted else { continue }
                added += 1
                // A server that ignores the filter must not lend this job another job's sessions.
                if let owner = session.jobID, owner.lowercased() != jobID.lowercased() { continue }
                sessions.append(session)
            }
            // A short page is the last; so is one that repeats what was read (a server ignoring `offset`).
            let fullPage = min(pageSize, json["limit"]?.double.map { Int($0) } ?? pageSize)
            guard page.count >= max(1, fullPage), added > 0 else {
                complete = true
                break
            }
            offset += page.count
        }
        if !complete, await notices.first("session cap \(jobID.lowercased())") {
            logger.warning("job has more sessions than read; the newest are picked by creationTime among the first ones listed", metadata: [
                "job_id": "\(jobID)", "sessions_read": "\(sessions.count)",
            ])
        }
        let newest = sessions.sorted { lhs, rhs in
            let left = lhs.run.startTime ?? -.infinity, right = rhs.run.startTime ?? -.infinity
            return left != right ? left > right : lhs.run.id > rhs.run.id
        }
        return newest.prefix(sessionsPerJob).map { session in
            var run = session.run
            if !session.messageParts.isEmpty { run.vendorMessage = auth.vendorMessage(session.messageParts) }
            return run
        }
    }

    /// GETs a versioned path with the session's token; `path` builds it for the version in use.
    private func get(_ path: @escaping @Sendable (VeeamM365APIVersion) -> String) async throws(PollError) -> (JSONValue, String) {
        try await session.withToken(login: { previous throws(PollError) in try await self.login(previous: previous) }) { token throws(PollError) in
            let version = await self.versions.answered ?? self.preferredVersion
            let headers: HTTPHeaders = ["Accept": "application/json", "Authorization": "Bearer \(token)"]
            let response = try await self.connection.send(.GET, path(version), headers: headers)
            return (try response.json(), response.context)
        }
    }

    // MARK: - Login

    /// Refreshes when there is a refresh token (the previous session expiring), else logs in
    /// with the password, probing older API versions on 404.
    func login(previous: LoginSession.Token?) async throws(PollError) -> LoginSession.Token {
        if let refreshToken = previous?.refreshToken, let version = await versions.answered {
            do {
                if let token = try await requestToken(version: version, form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]) {
                    return token
                }
            } catch where error.reason == .auth {
                // Expired or revoked refresh token: the password still works.
            }
            logger.debug("Veeam refused the refresh token; logging in with the password")
        }
        let credentials = try LoginCredentials.required(credentials, for: "POST /v<N>/Token")
        let form = [("grant_type", "password"), ("username", credentials.username), ("password", credentials.password.reveal())]
        var candidates = preferredVersion.withFallbacks
        if let known = await versions.answered, let index = candidates.firstIndex(of: known) {
            candidates.remove(at: index)
            candidates.insert(known, at: 0)
        }
        var notFound: [String] = []
        for version in candidates {
            guard let token = try await requestToken(version: version, form: form) else {
                notFound.append(version.rawValue)
                continue
            }
            if await versions.remember(version) {
                logger.info("Veeam REST API version answered", metadata: [
                    "api_version": "\(version.rawValue)", "configured_api_version": "\(preferredVersion.rawValue)",
                ])
            }
            return token
        }
        await versions.forget()
        throw PollError(.http, "POST /v<N>/Token: HTTP 404 for every API version tried (\(notFound.joined(separator: ", ")))")
    }

    /// Nil when this API version is not served (404): the caller decides whether to fall back.
    private func requestToken(version: VeeamM365APIVersion, form: [(String, String)]) async throws(PollError) -> LoginSession.Token? {
        let headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        let response = try await connection.send(.POST, "/\(version.rawValue)/Token", headers: headers, body: Array(Self.formEncode(form).utf8))
        let context = response.context
        switch response.status {
        case 200..<300:
            break
        case 404:
            return nil
        case 400:
            // OAuth's error word (invalid_grant, unsupported_grant_type) is safe to repeat; the
            // rest of the body is not read into the message.
            let word = (try? JSONValue.parse(response.bodyBytes, context: context))?["error"]?.string ?? ""
            let code = word.allSatisfy({ $0.isLetter || $0 == "_" }) && word.count <= 40 ? word : ""
            if code == "invalid_grant" {
                throw PollError(.auth, "\(context): HTTP 400 invalid_grant (credentials or refresh token refused)")
            }
            throw PollError(.http, "\(context): HTTP 400 \(code.isEmpty ? "" : code)".trimmingWhitespace())
        default:
            try response.requireSuccess()
        }
        let json = try JSONValue.parse(response.bodyBytes, context: context)
        guard let access = json["access_token"]?.string, !access.isEmpty else {
            throw PollError(.decode, "\(context): token response without access_token")
        }
        let expiresAt = json["expires_in"]?.double.map { clock() + $0 }
        return LoginSession.Token(value: access, expiresAt: expiresAt, refreshToken: json["refresh_token"]?.string)
    }

    // MARK: - Encoding

    /// `application/x-www-form-urlencoded`, escaped by `PercentEscape`.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(PercentEscape.component($0.0))=\(PercentEscape.component($0.1))" }.joined(separator: "&")
    }
}
