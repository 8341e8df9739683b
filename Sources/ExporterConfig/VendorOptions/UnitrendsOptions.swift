/// `options:` of a Unitrends target.
public struct UnitrendsOptions: Sendable, Equatable {
    static let keys: Set<String> = ["history", "backups_per_job"]

    /// Hours of backups to list (`start_hours`): the appliance filters by whole hours.
    public var historyHours: Int
    /// Newest backups kept per asset.
    public var backupsPerJob: Int

    public init(historyHours: Int = 48, backupsPerJob: Int = 5) {
        self.historyHours = historyHours
        self.backupsPerJob = backupsPerJob
    }

    init(_ options: ConfigMapping) throws(ConfigError) {
        let defaults = UnitrendsOptions()
        let history = try options.duration("history") ?? Double(defaults.historyHours) * 3600
        guard history >= 3600, history <= 366 * 86_400 else {
            throw options.error("history", "must be between 1h and 8784h (the appliance filters by whole hours)")
        }
        let perJob = try options.int("backups_per_job") ?? defaults.backupsPerJob
        guard (1...100).contains(perJob) else { throw options.error("backups_per_job", "must be between 1 and 100") }
        self.init(historyHours: Int((history / 3600).rounded(.up)), backupsPerJob: perJob)
    }
}
