import BackupModel
import ExporterConfig
import FoundationEssentials
import Logging
import NIOHTTP1

/// Unitrends appliances (`vendor: unitrends`): job = protected asset (client + instance),
/// run = backup.
///
/// Calls, relative to the target URL:
/// - `POST /api/login` with `{"username", "password"}` → `auth_token` (some newer appliances
///   answer `token`: both are read); later calls send `AuthToken: <token>`. The token carries no
///   expiry, so it is kept until a call answers 401, then the adapter logs in once and retries.
/// - `POST /api/backups` with `{"start_hours": N}`, N from `options.history` (default 48h), so
///   only recent backups are listed; at most `options.backups_per_job` (default 5) newest
///   backups are kept per asset.
/// - `GET /api/jobs/active`, only when a listed backup is still running, for its
///   `percent_complete`. The call is not in the vendor's reference (seed `unitrends-backups.txt`)
///   and some appliances do not have it: a 404 or any other error there leaves the progress
///   absent, is logged once per adapter, and never fails the
///   poll.
///
/// State: a terminal status word decides whatever `complete` says (`UnitrendsBackup.state`). A
/// failed or warned backup carries `output` (and a failed `verify_status`) as its vendor
/// message, bounded and with the target's secrets redacted. A backup row without `id` gets a
/// stable derived run id instead of failing the poll.
///
/// Appliances have been seen to send slightly broken JSON (the vendor's own sample lacks a comma):
/// that is a `decode` error naming the byte offset, never patched up.
struct UnitrendsAdapter: VendorAdapter {
    let connection: TargetConnection
    let credentials: LoginCredentials?
    let historyHours: Int
    let backupsPerJob: Int
    let zone: TimeZoneRules
    let session = LoginSession()
    let logger: Logger
    let auth: AuthConfiguration
    let notices = LogOnce()

    init(context: AdapterContext, options: UnitrendsOptions) {
        let target = context.target
        connection = context.connection
        logger = context.logger
        auth = target.auth
        credentials = LoginCredentials(target.auth)
        historyHours = options.historyHours
        backupsPerJob = options.backupsPerJob
        // The config loader has checked the name; UTC only for a target built by hand with a wrong one.
        zone = TimeZoneRules.named(target.timezone) ?? .utc
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        let listing = try await call(.POST, "/api/backups", body: #"{"start_hours":\#(historyHours)}"#)
        guard let entries = listing["backups"]?.array ?? listing.array else {
            throw PollError(.decode, "POST /api/backups: expected {\"backups\": [...]}")
        }
        var backups: [UnitrendsBackup] = []
        backups.reserveCapacity(entries.count)
        for entry in entries {
            var backup = try UnitrendsBackup(json: entry, zone: zone, context: "POST /api/backups")
            backup.run.vendorMessage = auth.vendorMessage(backup.outputParts)
            backups.append(backup)
        }
        if backups.contains(where: { $0.run.state == .running }), let active = await optionalActiveJobs() {
            for index in backups.indices where backups[index].run.state == .running {
                backups[index].run.progressPercent = active.first { $0.matches(backups[index]) }?.percent
            }
        }
        return Self.group(backups, keep: backupsPerJob)
    }

    /// `/api/jobs/active`, or nil when the appliance does not answer it: progress is then absent.
    private func optionalActiveJobs() async -> [UnitrendsActiveJob]? {
        do {
            return try await activeJobs()
        } catch {
            if await notices.first("jobs-active") {
                logger.warning("GET /api/jobs/active failed; running backups are shown without progress",
                               metadata: ["reason": "\(error.reason.rawValue)", "error": "\(error.message)"])
            }
            return nil
        }
    }

    /// Groups backups by asset, newest first, keeping `keep` per asset; jobs sorted by id.
    static func group(_ backups: [UnitrendsBackup], keep: Int) -> [ObservedJob] {
        var byJob: [String: (name: String, runs: [ObservedRun])] = [:]
        for backup in backups {
            byJob[backup.jobID, default: (backup.jobName, [])].runs.append(backup.run)
        }
        return byJob.keys.sorted().compactMap { id in
            guard let entry = byJob[id] else { return nil }
            // Same minute (the listing's precision): the higher backup id is the newer one.
            let runs = entry.runs.sorted { lhs, rhs in
                let l = lhs.startTime ?? -.infinity, r = rhs.startTime ?? -.infinity
                if l != r { return l > r }
                return (Int(lhs.id) ?? 0, lhs.id) > (Int(rhs.id) ?? 0, rhs.id)
            }
            return ObservedJob(id: id, name: entry.name, runs: Array(runs.prefix(keep)))
        }
    }

    private func activeJobs() async throws(PollError) -> [UnitrendsActiveJob] {
        let json = try await call(.GET, "/api/jobs/active", body: nil)
        guard let rows = json["data"]?.array ?? json.array else {
            throw PollError(.decode, "GET /api/jobs/active: expected {\"data\": [...]}")
        }
        return rows.map(UnitrendsActiveJob.init)
    }

    private func call(_ method: HTTPMethod, _ path: String, body: String?) async throws(PollError) -> JSONValue {
        try await session.withToken(login: { _ throws(PollError) in try await self.login() }) { token throws(PollError) in
            var headers: HTTPHeaders = ["Accept": "application/json", "AuthToken": token]
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            let response = try await self.connection.send(method, path, headers: headers, body: body.map { Array($0.utf8) })
            try response.requireSuccess()
            return try JSONValue.parse(response.bodyBytes, context: response.context)
        }
    }

    private func login() async throws(PollError) -> LoginSession.Token {
        let credentials = try LoginCredentials.required(credentials, for: "POST /api/login")
        let body = try JSONLoginBody.encode(username: credentials.username, password: credentials.password.reveal(), call: "POST /api/login")
        let headers: HTTPHeaders = ["Accept": "application/json", "Content-Type": "application/json"]
        let response = try await connection.send(.POST, "/api/login", headers: headers, body: body)
        if response.status == 400 {
            // Appliances answer a refused login with 400 or 401, depending on the release.
            throw PollError(.auth, "\(response.context): HTTP 400 (credentials refused)")
        }
        try response.requireSuccess()
        let json = try JSONValue.parse(response.bodyBytes, context: response.context)
        guard let token = json["auth_token"]?.string ?? json["token"]?.string, !token.isEmpty else {
            throw PollError(.decode, "\(response.context): login answer without auth_token")
        }
        return LoginSession.Token(value: token)
    }
}
