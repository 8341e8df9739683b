import CSQLite

/// The one SQLite connection of a store: a thin wrapper over the C API that turns every failure
/// into a `StoreError` carrying the database path and SQLite's own message.
///
/// Not thread-safe and not `Sendable` on purpose: only the `StateStore` actor owns one.
final class SQLiteDatabase {
    let path: String
    private let handle: OpaquePointer

    /// Opens (creating if missing) the database at `path`. SQLite opens lazily, so a file that is
    /// not a database only fails on the first statement; callers run one straight away.
    init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw StoreError(path: path, message: message)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        // v2 defers the close until any statement still alive is finalised instead of failing.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows the caller needs.
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard code == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? currentMessage(code)
            sqlite3_free(errorMessage)
            throw StoreError(path: path, message: message)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw StoreError(path: path, message: currentMessage(code))
        }
        return SQLiteStatement(statement: statement, database: self)
    }

    /// Every row of `sql` with `arguments` bound, as plain values.
    func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws(StoreError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append(statement.row())
        }
        return rows
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws(StoreError) {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back
    /// when it throws. IMMEDIATE takes the write lock up front, so a busy database fails here
    /// rather than halfway through the writes.
    func transaction(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            // A failed COMMIT may leave the transaction open; a failed ROLLBACK means SQLite
            // already rolled back, so its error adds nothing to the one we report.
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// How long a write waits for another connection's lock before failing with "database is
    /// locked". The instance lock keeps other writers out, so this only matters for someone
    /// inspecting the file with a write transaction open.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// True when the file this connection has open was deleted or renamed since it was opened:
    /// SQLite would keep writing "successfully" into the unlinked inode, so the store checks this
    /// before writing and reports it instead.
    func fileHasMoved() -> Bool {
        var moved: Int32 = 0
        let code = sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
        return code == SQLITE_OK && moved != 0
    }

    /// True when SQLite opened the file read-only: it does so silently when a read-write open
    /// fails (a read-only file system, or a file the user may not write).
    var isReadOnly: Bool {
        sqlite3_db_readonly(handle, "main") == 1
    }

    func currentMessage(_ code: Int32) -> String {
        let message = String(cString: sqlite3_errmsg(handle))
        // sqlite3_errmsg can lag behind the code for errors raised outside a statement.
        return message == "not an error" ? String(cString: sqlite3_errstr(code)) : message
    }
}
