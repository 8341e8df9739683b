/// `options:` of a Veeam Backup for Microsoft 365 target.
public struct VeeamM365Options: Sendable, Equatable {
    /// The REST API versions a server may serve; older ones are tried when this one answers 404.
    public enum APIVersion: String, CaseIterable, Sendable, Comparable {
        case v6, v7, v8

        public static func < (lhs: Self, rhs: Self) -> Bool {
            lhs.number < rhs.number
        }

        private var number: Int {
            switch self {
            case .v6: 6
            case .v7: 7
            case .v8: 8
            }
        }
    }

    static let keys: Set<String> = ["api_version", "sessions_per_job", "page_size"]

    public var apiVersion: APIVersion
    /// Newest sessions reported per job.
    public var sessionsPerJob: Int
    /// Jobs or sessions asked for per page.
    public var pageSize: Int

    public init(apiVersion: APIVersion = .v8, sessionsPerJob: Int = 5, pageSize: Int = 100) {
        self.apiVersion = apiVersion
        self.sessionsPerJob = sessionsPerJob
        self.pageSize = pageSize
    }

    init(_ options: ConfigMapping) throws(ConfigError) {
        let defaults = VeeamM365Options()
        let word = try options.string("api_version") ?? defaults.apiVersion.rawValue
        guard let version = APIVersion(rawValue: word.lowercased()) else {
            throw options.error("api_version", "must be one of v6, v7, v8 (v3 to v5 were removed from the product)")
        }
        let perJob = try options.int("sessions_per_job") ?? defaults.sessionsPerJob
        guard (1...100).contains(perJob) else { throw options.error("sessions_per_job", "must be between 1 and 100") }
        let page = try options.int("page_size") ?? defaults.pageSize
        guard (1...1000).contains(page) else { throw options.error("page_size", "must be between 1 and 1000") }
        self.init(apiVersion: version, sessionsPerJob: perJob, pageSize: page)
    }
}
