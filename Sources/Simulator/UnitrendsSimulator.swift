import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import WebServer

/// A simulated Unitrends appliance: `POST /api/login` (JSON) answering `auth_token` (or `token`,
/// as some newer releases do), the `AuthToken` header, `POST /api/backups` with its time filters,
/// and `GET /api/jobs/active` with `percent_complete` for running backups.
///
/// Backups are rendered like the vendor's sample: `start_date_time` as `MM/dd/yyyy hh:mm am` in
/// the appliance's own time zone, `duration` as `HH:mm:ss`, `size` in MB, `complete` false while
/// a backup runs (status `None`). A queued run is not a backup yet: it only shows in the active
/// list. Cancelled outcomes are rendered as complete with status `None`, the word that carries
/// no verdict, so every status word is served.
///
/// The shapes the seed allows and the demo shows:
/// - An asset with `withoutBackupIDs` lists its backups without `id` (the seed returns `id` only
///   "for types with backup id").
/// - An asset with `incompleteFailures` reports a failed backup as `complete: false` with status
///   `Failure`: the word, not the flag, is the verdict.
/// - Failed and warned backups carry an `output` text (ours, the seed documents none), and a
///   failed one `verify_status: "Failed"`.
/// - `serveActiveJobs: false` is an appliance without `GET /api/jobs/active` (404): that call is
///   not in the seed.
///
/// Vendor-specific fault switches: `expireTokens(afterCalls:)`, `revokeAllTokens()`, and
/// `omitCommaAfterSize`, which sends the seed's own defect (no comma after `"size": 518`).
public final class UnitrendsSimulator: IssuesAccessTokens {
    public typealias Credentials = LoginCredentials

    /// A protected asset: a client, optionally one application instance on it, backed up by `job`.
    public struct Asset: Sendable {
        public var clientID: Int
        public var clientName: String
        public var instanceID: Int?
        public var instanceName: String?
        public var job: ScriptedJob
        /// Backups listed without `id`.
        public var withoutBackupIDs: Bool
        /// Failed backups listed as `complete: false`, status `Failure`.
        public var incompleteFailures: Bool
        public init(clientID: Int, clientName: String, instanceID: Int? = nil, instanceName: String? = nil, job: ScriptedJob,
                    withoutBackupIDs: Bool = false, incompleteFailures: Bool = false) {
            self.withoutBackupIDs = withoutBackupIDs
            self.incompleteFailures = incompleteFailures
            self.clientID = clientID
            self.clientName = clientName
            self.instanceID = instanceID
            self.instanceName = instanceName
            self.job = job
        }
    }

    public struct Counters: Sendable, Equatable {
        public var logins = 0
        public var refusedLogins = 0
        public var rejectedTokens = 0
        /// Request bodies of `POST /api/backups`, in order (to check the time filter).
        public var backupFilters: [String] = []
        /// `method path` of every authenticated call, in order.
        public var calls: [String] = []
    }

    private struct State {
        var omitComma = false
        var counters = Counters()
    }

    public let assets: [Asset]
    public let credentials: Credentials
    public let clock: SimulatorClock
    public let epoch: Double
    /// The appliance's local zone, in which `start_date_time` is written.
    public let timeZone: TimeZone
    /// `auth_token` (older releases) or `token`.
    public let tokenField: String
    /// Cycles per asset the appliance remembers: "years" when no filter bounds the listing.
    public let historyLimit: Int
    /// False: `GET /api/jobs/active` answers 404, as on appliances without that call.
    public let serveActiveJobs: Bool
    private let state = NIOLockedValueBox(State())
    public let accessTokens = SimulatedAccessTokens(prefix: "ut")

    public init(assets: [Asset], credentials: Credentials, clock: SimulatorClock, epoch: Double,
                timeZone: TimeZone = .gmt, tokenField: String = "auth_token", historyLimit: Int = 500,
                serveActiveJobs: Bool = true) {
        self.serveActiveJobs = serveActiveJobs
        self.assets = assets
        self.credentials = credentials
        self.clock = clock
        self.epoch = epoch
        self.timeZone = timeZone
        self.tokenField = tokenField
        self.historyLimit = historyLimit
    }

    /// The demo's assets: a file-level client, a SQL instance whose failures come with
    /// `complete: false`, a VM, and a replication listed without backup ids, on different rhythms.
    public static func demoAssets() -> [Asset] {
        [
            Asset(clientID: 2, clientName: "win32", instanceID: 23, instanceName: "file-level",
                  job: ScriptedJob(id: "2/23", name: "win32/file-level", waitSeconds: 5, runSeconds: 40, restSeconds: 15,
                                   outcomes: [.succeeded, .warning], sizeBytes: 543_162_368)),
            Asset(clientID: 7, clientName: "sql01", instanceID: 41, instanceName: "MSSQLSERVER/payroll",
                  job: ScriptedJob(id: "7/41", name: "sql01/MSSQLSERVER/payroll", waitSeconds: 8, runSeconds: 30, restSeconds: 20,
                                   outcomes: [.succeeded, .failed, .cancelled], sizeBytes: 2_147_483_648, phaseOffset: 11),
                  incompleteFailures: true),
            Asset(clientID: 9, clientName: "esx-vm-web",
                  job: ScriptedJob(id: "9", name: "esx-vm-web", waitSeconds: 6, runSeconds: 35, restSeconds: 25,
                                   outcomes: [.succeeded], sizeBytes: 10_737_418_240, phaseOffset: 23)),
            // Cycles longer than a minute: rows without id are told apart by their start minute.
            Asset(clientID: 1, clientName: "dpu-appliance", instanceID: 3, instanceName: "replication",
                  job: ScriptedJob(id: "1/3", name: "dpu-appliance/replication", waitSeconds: 5, runSeconds: 45, restSeconds: 30,
                                   outcomes: [.succeeded, .warning], sizeBytes: 1_073_741_824, phaseOffset: 7),
                  withoutBackupIDs: true),
        ]
    }

    /// The demo's older appliance (no `/api/jobs/active`): one client whose failed backups stay
    /// `complete: false`, so its running backups show no progress and its failures still count.
    public static func demoLegacyAssets() -> [Asset] {
        [
            Asset(clientID: 4, clientName: "files02", instanceID: 8, instanceName: "file-level",
                  job: ScriptedJob(id: "4/8", name: "files02/file-level", waitSeconds: 5, runSeconds: 35, restSeconds: 25,
                                   outcomes: [.succeeded, .failed], sizeBytes: 3_221_225_472, phaseOffset: 17),
                  incompleteFailures: true),
        ]
    }

    // MARK: - Fault switches and counters

    /// Every AuthToken issued so far (expired and revoked ones included).
    public var issuedTokens: [String] { accessTokens.issuedTokens }

    /// Sends the backups listing with the seed's missing comma after `"size"`.
    public var omitCommaAfterSize: Bool {
        get { state.withLockedValue { $0.omitComma } }
        set { state.withLockedValue { $0.omitComma = newValue } }
    }

    public var counters: Counters {
        var counters = state.withLockedValue { $0.counters }
        counters.rejectedTokens = accessTokens.rejected
        return counters
    }

    // MARK: - Routing

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path.lowercased()
        let now = clock.now()
        if path == "/api/login" {
            guard request.method == .POST else { return .json(#"{"result":[{"message":"method not allowed"}]}"#, status: .methodNotAllowed) }
            return login(request)
        }
        guard path.hasPrefix("/api/") else { return .notFound }
        guard authorise(request.headers) else {
            return .json(#"{"result":[{"code":401,"message":"Authentication failure: invalid or expired token."}]}"#, status: .unauthorized)
        }
        state.withLockedValue { $0.counters.calls.append("\(request.method.rawValue) \(request.path)") }
        switch (request.method, path) {
        case (.POST, "/api/backups"):
            state.withLockedValue { $0.counters.backupFilters.append(request.bodyText) }
            return backups(filter: request.bodyText, now: now)
        case (.GET, "/api/jobs/active") where serveActiveJobs:
            return active(now: now)
        default:
            return .json(#"{"result":[{"message":"not found"}]}"#, status: .notFound)
        }
    }

    private func login(_ request: HTTPRequest) -> HTTPResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body.readableBytesView))) as? [String: Any]
        let ok = body?["username"] as? String == credentials.username && body?["password"] as? String == credentials.password
        guard ok else {
            state.withLockedValue { $0.counters.refusedLogins += 1 }
            return .json(#"{"result":[{"code":401,"message":"Authentication failure: invalid username or password."}]}"#, status: .unauthorized)
        }
        state.withLockedValue { $0.counters.logins += 1 }
        let token = accessTokens.issue(now: clock.now())
        return .json(#"{"\#(tokenField)":"\#(token)","superuser":false,"administrator":false}"#, status: .created)
    }

    private func authorise(_ headers: HTTPHeaders) -> Bool {
        accessTokens.authorise(headers.first(name: "AuthToken"), now: clock.now())
    }

    // MARK: - Data

    /// Started runs (not queued ones) of every asset, with start times inside the filter.
    private func backups(filter: String, now: Double) -> HTTPResponse {
        let json = (try? JSONSerialization.jsonObject(with: Data(filter.utf8))) as? [String: Any] ?? [:]
        var earliest = -Double.infinity
        if let hours = (json["start_hours"] as? NSNumber)?.doubleValue { earliest = now - hours * 3600 }
        if let start = (json["start_time"] as? NSNumber)?.doubleValue { earliest = max(earliest, start) }
        let omitComma = omitCommaAfterSize
        var rendered: [String] = []
        for (index, asset) in assets.enumerated() {
            for run in asset.job.runs(now: now, epoch: epoch, limit: historyLimit) {
                guard let started = run.started, started >= earliest else { continue }
                rendered.append(render(asset: asset, index: index, run: run, started: started, now: now, omitComma: omitComma))
            }
        }
        return .json("{\n\"backups\": [\n" + rendered.joined(separator: ",\n") + "\n]\n}")
    }

    /// Backup ids grow with time across all assets, as the appliance's database ids do.
    func backupID(assetIndex: Int, cycle: Int) -> Int { (cycle + 1) * 100 + assetIndex }

    func render(asset: Asset, index: Int, run: ScriptedJob.Run, started: Double, now: Double, omitComma: Bool) -> String {
        var complete: Bool
        let status: String
        switch run.phase {
        case .waiting, .running:
            complete = false
            status = "None"
        case .finished(let outcome):
            complete = true
            switch outcome {
            case .succeeded: status = "Success"
            case .warning: status = "Warning"
            case .failed:
                status = "Failure"
                complete = !asset.incompleteFailures
            case .cancelled: status = "None"
            }
        }
        let megabytes = Int((run.sizeBytes / 1_048_576).rounded())
        let duration = (run.ended ?? now) - started
        var lines: [String] = []
        if !asset.withoutBackupIDs { lines.append(#""id": \#(backupID(assetIndex: index, cycle: run.cycle))"#) }
        lines += [
            #""type": "\#(run.cycle % 7 == 0 ? "Full" : "Differential")""#,
            #""client_id": \#(asset.clientID)"#,
            #""client_name": \#(JSONText.quote(asset.clientName))"#,
        ]
        if let instanceID = asset.instanceID { lines.append(#""instance_id": \#(instanceID)"#) }
        if let instanceName = asset.instanceName { lines.append(#""instance_name": \#(JSONText.quote(instanceName))"#) }
        let finished = run.phase != .waiting && run.phase != .running
        lines += [
            #""start_date_time": "\#(Self.localTime(started, zone: timeZone))""#,
            #""duration": "\#(Self.hms(duration))""#,
            #""complete": \#(complete)"#,
            #""status": "\#(status)""#,
            #""size": \#(megabytes)"#,
            #""files": \#(Int(run.sizeBytes / 220_000))"#,
            #""encrypted": false"#,
            #""replication_status": "N/A""#,
            #""verified": \#(finished)"#,
            #""verify_status": "\#(status == "Success" ? "Success" : status == "Failure" ? "Failed" : "Not Applicable")""#,
            #""synthesized": false"#,
            #""output": \#(JSONText.quote(Self.output(asset: asset, status: status)))"#,
        ]
        var text = "{\n"
        for (number, line) in lines.enumerated() {
            text += line
            let isLast = number == lines.count - 1
            if !isLast && !(omitComma && line.hasPrefix(#""size""#)) { text += "," }
            text += "\n"
        }
        return text + "}"
    }

    /// The `output` text of a backup: empty for a success, our words for a warning or a failure.
    public static func output(asset: Asset, status: String) -> String {
        switch status {
        case "Warning": return "Backup of \(asset.job.name) completed with warnings:\n3 files were skipped because they were in use."
        case "Failure": return "Backup of \(asset.job.name) failed:\nthe client \(asset.clientName) did not answer (connection timed out)."
        default: return ""
        }
    }

    private func active(now: Double) -> HTTPResponse {
        var rows: [String] = []
        for (index, asset) in assets.enumerated() {
            guard let run = asset.job.runs(now: now, epoch: epoch, limit: 1).last else { continue }
            let status: String
            let percent: String
            switch run.phase {
            case .waiting:
                status = "Queued"
                percent = "0"
            case .running:
                status = "Active"
                // Some releases send a number, some a string: alternate between the two.
                percent = run.cycle % 2 == 0 ? String(Int(run.progress)) : "\"\(String(format: "%.1f", run.progress))\""
            case .finished:
                continue
            }
            var fields = [
                #""id": \#(1000 + index)"#,
                #""name": \#(JSONText.quote("Backup " + asset.job.name))"#,
                #""type": "Backup""#,
                #""status": "\#(status)""#,
                #""percent_complete": \#(percent)"#,
                #""client_name": \#(JSONText.quote(asset.clientName))"#,
            ]
            if let instanceName = asset.instanceName { fields.append(#""instance_name": \#(JSONText.quote(instanceName))"#) }
            rows.append("{" + fields.joined(separator: ", ") + "}")
        }
        return .json(#"{"data": [\#(rows.joined(separator: ", "))], "total": \#(rows.count)}"#)
    }

    /// `10/14/2014 09:32 am` in `zone`.
    static func localTime(_ seconds: Double, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: seconds))
        let hour = c.hour ?? 0
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        return String(format: "%02ld/%02ld/%04ld %02ld:%02ld ", c.month ?? 1, c.day ?? 1, c.year ?? 1970, twelve, c.minute ?? 0)
            + (hour < 12 ? "am" : "pm")
    }

    /// `HH:mm:ss`, hours past 23 when it takes that long.
    static func hms(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        return String(format: "%02ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60)
    }
}
