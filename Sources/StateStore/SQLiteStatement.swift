import CSQLite

/// A prepared statement, finalised when released.
final class SQLiteStatement {
    private let statement: OpaquePointer
    // Kept so the connection outlives its statements and for error messages.
    private let database: SQLiteDatabase

    /// Tells SQLite to copy bound text, since Swift's temporary C string dies after the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(statement)
    }

    func bind(_ values: [SQLiteValue]) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
            case .real(let number): code = sqlite3_bind_double(statement, index, number)
            case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, Self.transient)
            }
            guard code == SQLITE_OK else {
                throw StoreError(path: database.path, message: database.currentMessage(code))
            }
        }
    }

    /// Makes the statement ready to run again with new bindings.
    func reset() throws(StoreError) {
        let code = sqlite3_reset(statement)
        guard code == SQLITE_OK else {
            throw StoreError(path: database.path, message: database.currentMessage(code))
        }
        sqlite3_clear_bindings(statement)
    }

    /// Advances to the next row: true when there is one, false when the statement is done.
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError(path: database.path, message: database.currentMessage(code))
        }
    }

    func row() -> [SQLiteValue] {
        (0..<sqlite3_column_count(statement)).map { column in
            switch sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
            case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
            case SQLITE_NULL: .null
            default: .text(sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "")
            }
        }
    }
}
