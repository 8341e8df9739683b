import BackupModel

/// Which words in a target's `jobs:` may name a job, declared once per vendor in
/// `AdapterRegistry`. Every vendor accepts the job id; some also accept the display name an
/// operator reads in the vendor's console, and some ids (GUIDs) are written in any case.
public struct JobKeys: Sendable, Equatable {
    /// An entry equal to the job's display name selects it too.
    public var name: Bool
    /// Ids and names compare without regard to case (GUIDs are printed both ways).
    public var anyCase: Bool

    public init(name: Bool = false, anyCase: Bool = false) {
        self.name = name
        self.anyCase = anyCase
    }

    public static let id = JobKeys()
}

/// The config's `jobs:` list, applied with the vendor's `JobKeys`: the one rule that decides
/// which jobs of a target are exported. The daemon applies it to every poll's answer; an adapter
/// that can ask its server for fewer jobs asks with `selects(id:name:)`, so the two can never
/// disagree. An empty list selects every job.
public struct JobFilter: Sendable, Equatable {
    public let entries: [String]
    public let keys: JobKeys
    private let wanted: Set<String>

    public init(entries: [String], keys: JobKeys) {
        self.entries = entries
        self.keys = keys
        wanted = Set(entries.map { keys.anyCase ? $0.lowercased() : $0 })
    }

    public var selectsEverything: Bool { entries.isEmpty }

    public func selects(id: String, name: String) -> Bool {
        guard !entries.isEmpty else { return true }
        return wanted.contains(key(id)) || (keys.name && wanted.contains(key(name)))
    }

    /// The selected jobs in their order, and the entries that selected none of `jobs`, in the
    /// config's order (a typo, or a job the vendor no longer lists).
    public func apply(_ jobs: [ObservedJob]) -> (selected: [ObservedJob], unmatched: [String]) {
        guard !entries.isEmpty else { return (jobs, []) }
        var matched = Set<String>()
        var selected: [ObservedJob] = []
        for job in jobs {
            let id = key(job.id), name = key(job.name)
            var hit = false
            if wanted.contains(id) {
                matched.insert(id)
                hit = true
            }
            if keys.name, wanted.contains(name) {
                matched.insert(name)
                hit = true
            }
            if hit { selected.append(job) }
        }
        var reported = Set<String>()
        let unmatched = entries.filter { !matched.contains(key($0)) && reported.insert(key($0)).inserted }
        return (selected, unmatched)
    }

    private func key(_ word: String) -> String { keys.anyCase ? word.lowercased() : word }
}
