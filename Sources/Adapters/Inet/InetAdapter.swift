import BackupModel
import ExporterConfig
import Foundation
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
/// `id`/`definitionid`/`definition`/`jobid` and, for results, possibly the full details, which
/// saves the per-result call). Lists are taken in the order served, oldest first, and only the
/// newest `options.results_per_definition` (default 5) results are read, so a server with years of
/// history costs the same on every poll.
///
/// Auth: `Authorization: Bearer` with the configured token, else HTTP Basic with username and
/// password; there is no login call.
struct InetAdapter: VendorAdapter {
    static let optionKeys: Set<String> = ["definitions", "results_per_definition"]

    let connection: TargetConnection
    let headers: HTTPHeaders
    let fixedDefinitions: [String]?
    let resultsPerDefinition: Int
    let logger: Logger

    init(context: AdapterContext) throws(ConfigError) {
        let options = context.target.options
        try options.rejectUnknownKeys(allowed: Self.optionKeys)
        let definitions = try options.stringList("definitions")
        // An empty list would silently watch nothing, forever: say so instead.
        if let definitions, definitions.isEmpty {
            throw options.error("definitions", "needs at least one definition id (leave it out to watch every listed definition)")
        }
        fixedDefinitions = definitions
        let perDefinition = try options.int("results_per_definition") ?? 5
        guard (1...100).contains(perDefinition) else {
            throw options.error("results_per_definition", "must be between 1 and 100")
        }
        resultsPerDefinition = perDefinition
        connection = context.connection
        logger = context.logger
        var headers: HTTPHeaders = ["Accept": "application/json"]
        let auth = context.target.auth
        if let token = auth.token {
            headers.add(name: "Authorization", value: "Bearer \(token.reveal())")
        } else if let username = auth.username, let password = auth.password {
            let basic = Data("\(username):\(password.reveal())".utf8).base64EncodedString()
            headers.add(name: "Authorization", value: "Basic \(basic)")
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
            let runs = results.sorted { ($0.created ?? 0) > ($1.created ?? 0) }
            let name = definition.name ?? runs.first?.definitionName ?? ""
            jobs.append(ObservedJob(id: definition.id, name: name, runs: runs.map(\.run)))
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

    private func readResults(definitionID: String) async throws(PollError) -> [InetResult] {
        let base = "/api/backup/definitions/\(Self.escape(definitionID))/results"
        guard let list = try await get(base).array else {
            throw PollError(.decode, "GET \(base): expected a list of results")
        }
        var results: [InetResult] = []
        for entry in list.suffix(resultsPerDefinition) {
            if entry["runningStatus"] != nil {
                results.append(try InetResult(json: entry, context: "GET \(base)"))
                continue
            }
            guard let resultID = entry.string ?? entry["jobid"]?.string ?? entry["id"]?.string else {
                throw PollError(.decode, "GET \(base): result without an id")
            }
            let path = "\(base)/\(Self.escape(resultID))"
            results.append(try InetResult(json: try await get(path), context: "GET \(base)/<id>"))
        }
        return results
    }

    /// Ids are UUIDs in practice; escape anything else so an odd id cannot change the path.
    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? id
    }
}
