import BackupModel
import ExporterConfig
import FoundationEssentials
import Logging
import NIOHTTP1

/// i-net PDFC / i-net CoWork (`vendor: inet`): job = backup definition, run = backup result.
///
/// Calls, relative to the target URL:
/// - `GET /api/backup/definitions` lists the definitions (skipped when `options.definitions`
///   names them, for monitoring users that may not list);
/// - `GET /api/backup/definitions/<id>/results` lists a definition's results;
/// - `GET /api/backup/definitions/<id>/results/<resultID>` gives one result's details.
///
/// The public help documents only the details call. The list shapes could not be verified, so
/// both plausible shapes are accepted: an array of ids (strings) or an array of objects (with
/// `id`/`definitionid`/`definition`/`jobid` and, for results, possibly `created` or the full
/// details, which saves the per-result call).
///
/// The order of the results list is not documented either, so position means nothing: the
/// newest `options.results_per_definition` (default 5) results by `created` are reported,
/// newest first. To know `created` of a result listed by id only, its details are read once; the
/// time is remembered (a result's creation time does not change) for as long as the result is
/// listed, so a server with years of history costs one details call per result once, then only
/// the calls for the newest results and for new ones.
///
/// A failed or warned result's `taskErrors` (`task: text`, by task name) are its vendor message,
/// with the target's password and token redacted.
///
/// Auth: `Authorization: Bearer` with the configured token, else HTTP Basic with username and
/// password; there is no login call.
struct InetAdapter: VendorAdapter {
    let connection: TargetConnection
    let headers: HTTPHeaders
    let fixedDefinitions: [String]?
    let resultsPerDefinition: Int
    let auth: AuthConfiguration
    let logger: Logger
    /// `created` of results read before, by definition and result id.
    let createdTimes = InetCreatedTimes()

    init(context: AdapterContext, options: InetOptions) {
        fixedDefinitions = options.definitions
        resultsPerDefinition = options.resultsPerDefinition
        connection = context.connection
        logger = context.logger
        auth = context.target.auth
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let token = auth.token {
            headers.add(name: "Authorization", value: "Bearer \(token.reveal())")
        } else if let username = auth.username, let password = auth.password {
            headers.add(name: "Authorization", value: BasicAuthorization.value(username: username, password: password))
        }
        self.headers = headers
    }

    func poll() async throws(PollError) -> [ObservedJob] {
        let definitions: [(id: String, name: String?)]
        if let fixedDefinitions {
            definitions = fixedDefinitions.map { ($0, nil) }
        } else {
            definitions = try await listDefinitions()
        }
        var jobs: [ObservedJob] = []
        jobs.reserveCapacity(definitions.count)
        for definition in definitions {
            let results = try await readResults(definitionID: definition.id)
            let name = definition.name ?? results.first?.definitionName ?? ""
            jobs.append(ObservedJob(id: definition.id, name: name, runs: results.map { result in
                var run = result.run
                if !result.messageParts.isEmpty { run.vendorMessage = auth.vendorMessage(result.messageParts) }
                return run
            }))
        }
        return jobs
    }

    private func get(_ path: String) async throws(PollError) -> JSONValue {
        try await connection.send(.GET, path, headers: headers).json()
    }

    private func listDefinitions() async throws(PollError) -> [(id: String, name: String?)] {
        let path = "/api/backup/definitions"
        guard let list = try await get(path).array else {
            throw PollError(.decode, "GET \(path): expected a list of definitions")
        }
        var definitions: [(id: String, name: String?)] = []
        for entry in list {
            if let id = entry.string {
                definitions.append((id, nil))
            } else if let id = entry["id"]?.string ?? entry["definitionid"]?.string ?? entry["definition"]?.string {
                definitions.append((id, entry["name"]?.string))
            } else {
                throw PollError(.decode, "GET \(path): definition without an id")
            }
        }
        return definitions
    }

    /// The newest `resultsPerDefinition` results by `created`, newest first.
    private func readResults(definitionID: String) async throws(PollError) -> [InetResult] {
        let base = "/api/backup/definitions/\(PercentEscape.component(definitionID))/results"
        guard let list = try await get(base).array else {
            throw PollError(.decode, "GET \(base): expected a list of results")
        }
        // Every listed result with what is known of it: the full details, or at least `created`.
        var read: [String: InetResult] = [:]
        var listed: [(id: String, created: Double?)] = []
        var seen = Set<String>()
        for entry in list {
            if entry["runningStatus"] != nil {
                let result = try InetResult(json: entry, context: "GET \(base)")
                guard seen.insert(result.run.id).inserted else { continue }
                read[result.run.id] = result
                listed.append((result.run.id, result.created))
                continue
            }
            guard let resultID = entry.string ?? entry["jobid"]?.string ?? entry["id"]?.string else {
                throw PollError(.decode, "GET \(base): result without an id")
            }
            guard seen.insert(resultID).inserted else { continue }
            listed.append((resultID, entry["created"]?.double.map { $0 / 1000 }))
        }
        let remembered = await createdTimes.times(definition: definitionID, keeping: seen)
        var created: [String: Double] = [:]
        for (id, time) in listed {
            if let result = read[id] {
                created[id] = result.created ?? -.infinity
            } else if let time {
                created[id] = time
            } else if let time = remembered[id] {
                created[id] = time
            } else {
                let result = try await readDetails(base: base, resultID: id)
                read[id] = result
                // A result without `created` sorts last, and is not asked again.
                created[id] = result.created ?? -.infinity
            }
        }
        await createdTimes.remember(definition: definitionID, created)
        let newest = listed.map(\.id).sorted { lhs, rhs in
            let left = created[lhs] ?? -.infinity, right = created[rhs] ?? -.infinity
            return left != right ? left > right : lhs > rhs
        }.prefix(resultsPerDefinition)
        var results: [InetResult] = []
        for id in newest {
            if let result = read[id] {
                results.append(result)
            } else {
                results.append(try await readDetails(base: base, resultID: id))
            }
        }
        return results
    }

    private func readDetails(base: String, resultID: String) async throws(PollError) -> InetResult {
        try InetResult(json: try await get("\(base)/\(PercentEscape.component(resultID))"), context: "GET \(base)/<id>")
    }
}

/// `created` of the results an i-net adapter has read, per definition: a result's creation time
/// never changes, so its details need not be read again only to order it. Only results still
/// listed are kept.
actor InetCreatedTimes {
    private var byDefinition: [String: [String: Double]] = [:]

    /// The remembered times of `definition`, forgetting results no longer listed.
    func times(definition: String, keeping listed: Set<String>) -> [String: Double] {
        let kept = (byDefinition[definition] ?? [:]).filter { listed.contains($0.key) }
        byDefinition[definition] = kept
        return kept
    }

    func remember(definition: String, _ times: [String: Double]) {
        byDefinition[definition] = times
    }
}
