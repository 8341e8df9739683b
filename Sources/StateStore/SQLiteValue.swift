/// A value bound to or read from a statement: the SQLite storage classes the store uses.
enum SQLiteValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    init(_ value: Double?) {
        self = value.map { .real($0) } ?? .null
    }

    init(_ value: Int64?) {
        self = value.map { .integer($0) } ?? .null
    }

    init(_ value: String?) {
        self = value.map { .text($0) } ?? .null
    }
}

extension SQLiteValue {
    /// Integers read as doubles too: a time column edited by hand (`UPDATE ... = 1700000000`)
    /// may hold an INTEGER, and that row should still load.
    var double: Double? {
        switch self {
        case .real(let number): number
        case .integer(let number): Double(number)
        case .null, .text: nil
        }
    }

    var integer: Int64? {
        if case .integer(let number) = self { number } else { nil }
    }

    var text: String? {
        if case .text(let text) = self { text } else { nil }
    }
}
