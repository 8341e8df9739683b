import Foundation

/// Collects the lines a handler writes, from whatever thread it writes them.
final class LineRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var lines: [String] {
        lock.withLock { recorded }
    }

    func append(_ line: String) {
        lock.withLock { recorded.append(line) }
    }
}
