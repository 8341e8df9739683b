import Foundation
import Logging

/// Logs a `jobs:` entry that selects none of its target's jobs, once per entry until the next
/// config load: a typo in a filter must be visible, and must not fill the journal on every poll.
final class UnmatchedJobEntries: @unchecked Sendable {
    private let lock = NSLock()
    private var reported: Set<String> = []
    private let target: String
    private let logger: Logger

    init(target: String, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    func report(_ entries: [String]) {
        guard !entries.isEmpty else { return }
        let new: [String] = lock.withLock { entries.filter { reported.insert($0).inserted } }
        for entry in new {
            logger.warning(
                "jobs: entry matches no job of the target",
                metadata: ["target": "\(target)", "entry": "\(entry)"])
        }
    }

    /// A reload: report again what still matches nothing.
    func reset() {
        lock.withLock { reported.removeAll() }
    }
}
