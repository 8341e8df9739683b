import BackupModel
import ExporterConfig
import FoundationEssentials
import Logging
import NIOHTTP1

/// Distech Controls ECLYPSE controllers (`vendor: eclypse`): configuration backups of a
/// building-automation controller. Job = run = a backup job id.
///
/// The REST API (revision 4.0 and later) can only read single jobs: there is no list, so the
/// target's `jobs:` names the ids to follow (required), and `options.names` may give them display
/// names. Per id, one call relative to the target URL:
/// - `options.api: legacy` (default): `GET /api/rest/v1/system/backup/jobs/<id>`, deprecated from
///   revision 4.0 (logged once per adapter);
/// - `options.api: jobs`: `GET /api/rest/v1/jobs/<id>` (revision 6.0 and later).
///
/// Answer: JSON `{"progress": 100, "status": "OK"}` or XML `<Job><Status>OK</Status>
/// <Progress>100</Progress></Job>`, asked for with both the `Accept` header and `$format`
/// (`options.format`, default json), since the API documents both and some browsers' proxies
/// strip headers. The `Content-Type` of the answer decides how it is read.
///
/// Auth is HTTP Basic on every request: the `ECLYPSERESTSESSIONID` cookie the controller sets is
/// ignored, so a controller restart never leaves us with a dead session. 401/403 → `auth`.
///
/// A job id stands for one backup: the API creates a new id every time a backup is started, so a
/// followed id goes through one backup and then keeps its final word. The adapter follows only
/// the configured ids (there is no list to discover new ones) and invents no time: the controller
/// sends none, and the store stamps a finished run's end with the poll that first saw it finished.
///
/// A 404 on a followed id means the controller forgot the job (a reboot or a factory reset
/// clears it): the job stays listed as `unknown` so its history and last success survive, and
/// this is logged once until the id answers again.
struct EclypseAdapter: VendorAdapter {
    /// The vendor word for "the controller does not know this id any more", for `/status`.
    static let forgottenStatus = "not found (HTTP 404)"

    let connection: TargetConnection
    let logger: Logger
    let api: EclypseOptions.API
    let format: ResponseFormat
    let jobIDs: [String]
    let names: [String: String]
    let notices = LogOnce()
    private let headers: HTTPHeaders

    init(context: AdapterContext, options: EclypseOptions) {
        let target = context.target
        api = options.api
        format = options.format
        var unique: [String] = []
        for id in target.jobs where !unique.contains(id) { unique.append(id) }
        jobIDs = unique
        names = options.names
        var headers: HTTPHeaders = ["Accept": options.format.accept]
        if let username = target.auth.username, let password = target.auth.password {
            headers.add(name: "Authorization", value: BasicAuthorization.value(username: username, password: password))
        }
        self.headers = headers
        connection = context.connection
        logger = context.logger
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        if api == .legacy, await notices.first("deprecated") {
            logger.notice("ECLYPSE system/backup/jobs is deprecated since API revision 4.0; set options.api: jobs for controllers with revision 6.0 or later")
        }
        var jobs: [ObservedJob] = []
        jobs.reserveCapacity(jobIDs.count)
        for id in jobIDs {
            jobs.append(ObservedJob(id: id, name: names[id] ?? "", runs: [try await read(id)]))
        }
        return jobs
    }

    private func read(_ id: String) async throws(PollError) -> ObservedRun {
        let path = api.path(for: PercentEscape.component(id)) + "?$format=\(format.rawValue)"
        let context = "GET \(api.path(for: "<id>"))"
        let response = try await connection.send(.GET, path, headers: headers)
        if response.status == 404 {
            if await notices.first("forgotten \(id)") {
                logger.warning("the controller no longer knows this backup job; it is kept as unknown", metadata: ["job_id": "\(id)"])
            }
            return ObservedRun(id: id, state: .unknown, vendorStatus: Self.forgottenStatus)
        }
        try response.requireSuccess()
        await notices.reset("forgotten \(id)")
        let job = ContentTypeSniff.isXML(response, asked: format)
            ? try EclypseJob(xml: try XMLTree.parse(response.bodyBytes, context: context), context: context)
            : try EclypseJob(json: try response.json(), context: context)
        let run = job.run(jobID: id)
        if run.state == .failed, let word = run.vendorStatus, await notices.first("failed \(id) \(word)") {
            logger.notice("backup job reports a failure", metadata: ["job_id": "\(id)", "vendor_status": "\(word)"])
        }
        return run
    }
}

extension EclypseOptions.API {
    func path(for id: String) -> String {
        switch self {
        case .legacy: "/api/rest/v1/system/backup/jobs/\(id)"
        case .jobs: "/api/rest/v1/jobs/\(id)"
        }
    }
}
