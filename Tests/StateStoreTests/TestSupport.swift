import BackupModel
import CSQLite
import Foundation
import StateStore
import TestSupport

/// The store's file inside a test's directory.
extension TemporaryDirectory {
    var databasePath: String { path + "/state.sqlite" }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double

    init(_ start: Double = 1_700_000_000) {
        value = start
    }

    var now: Double {
        lock.withLock { value }
    }

    func advance(by seconds: Double) {
        lock.withLock { value += seconds }
    }

    var function: @Sendable () -> Double {
        { [self] in now }
    }
}

let testBuild = BuildInfo(version: "1.2.3", swiftVersion: "6.1")
let nas = TargetIdentity(name: "nas", vendor: .inet)
let m365 = TargetIdentity(name: "m365", vendor: .veeamM365)

func openStore(_ directory: borrowing TemporaryDirectory, clock: ManualClock, targets: [TargetIdentity] = [nas])
    async throws -> StateStore
{
    let store = try StateStore(directory: directory.path, build: testBuild, clock: clock.function)
    await store.configure(targets: targets)
    return store
}

func run(_ id: String, _ state: JobState, start: Double? = nil, end: Double? = nil, progress: Double? = nil)
    -> ObservedRun
{
    ObservedRun(id: id, state: state, progressPercent: progress, startTime: start, endTime: end, vendorStatus: state.rawValue)
}

func counts(succeeded: UInt64 = 0, warning: UInt64 = 0, failed: UInt64 = 0, cancelled: UInt64 = 0) -> [RunResult: UInt64] {
    [.succeeded: succeeded, .warning: warning, .failed: failed, .cancelled: cancelled]
}

extension ExporterSnapshot {
    func target(_ name: String) -> TargetSnapshot? {
        targets.first { $0.name == name }
    }

    func job(_ target: String, _ id: String) -> JobSnapshot? {
        self.target(target)?.jobs.first { $0.id == id }
    }
}

/// A second, independent SQLite connection to the store's file, the way another process (or
/// the same process after a crash) would see it.
final class RawDatabase {
    private var handle: OpaquePointer?

    init(path: String, readOnly: Bool) throws {
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK else {
            throw RawError(message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "open failed")
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    struct RawError: Error {
        var message: String
    }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw RawError(message: String(cString: sqlite3_errmsg(handle)))
        }
    }

    /// Every row as strings (NULL as "NULL"), for exact comparisons.
    func rows(_ sql: String) throws -> [[String]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw RawError(message: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        var result: [[String]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw RawError(message: String(cString: sqlite3_errmsg(handle))) }
            result.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "NULL"
            })
        }
        return result
    }
}
