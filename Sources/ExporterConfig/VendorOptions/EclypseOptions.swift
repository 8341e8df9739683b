/// `options:` of a Distech ECLYPSE target.
public struct EclypseOptions: Sendable, Equatable {
    /// Which of the controller's two job paths to read.
    public enum API: String, CaseIterable, Sendable {
        /// `system/backup/jobs`, deprecated from API revision 4.0 but the only one before 6.0.
        case legacy
        /// `jobs`, from API revision 6.0.
        case jobs
    }

    static let keys: Set<String> = ["api", "format", "names"]

    public var api: API
    public var format: ResponseFormat
    /// Display names by job id; every id is one of the target's `jobs:`.
    public var names: [String: String]

    public init(api: API = .legacy, format: ResponseFormat = .json, names: [String: String] = [:]) {
        self.api = api
        self.format = format
        self.names = names
    }

    /// `jobs` is the target's `jobs:` list, which `names` may only refer to.
    init(_ options: ConfigMapping, jobs: [String]) throws(ConfigError) {
        let word = try options.string("api") ?? API.legacy.rawValue
        guard let api = API(rawValue: word) else { throw options.error("api", "must be legacy or jobs, not '\(word)'") }
        let format = try ResponseFormat.decode(options)
        let names = try options.stringMap("names") ?? [:]
        for id in names.keys.sorted() where !jobs.contains(id) {
            throw options.error("names", "names job id '\(id)', which is not in the target's jobs: list")
        }
        self.init(api: api, format: format, names: names)
    }
}
