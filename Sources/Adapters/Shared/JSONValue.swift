import BackupModel
import FoundationEssentials

/// A JSON document as a value: vendors mix numbers and numeric strings, omit fields and send
/// `null`, so adapters read what is there instead of declaring rigid `Codable` shapes that would
/// reject a whole answer for one odd field.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a response body. `context` (a URL path) goes into the error so an operator knows
    /// which call returned garbage; the body itself never does.
    public static func parse(_ bytes: some Collection<UInt8>, context: String) throws(PollError) -> JSONValue {
        switch JSONParser.parseOrExplain(bytes) {
        case .success(let value):
            return value
        case .failure(let failure):
            throw PollError(.decode, "\(context): response is not valid JSON at byte \(failure.offset): expected \(failure.expected)")
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] } else { return nil }
    }

    public var object: [String: JSONValue]? {
        if case .object(let object) = self { return object } else { return nil }
    }

    public var array: [JSONValue]? {
        if case .array(let array) = self { return array } else { return nil }
    }

    /// Strings as they are; numbers in their integral form when they are integral (ids).
    public var string: String? {
        switch self {
        case .string(let text): return text
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        default: return nil
        }
    }

    /// Numbers, and strings that hold a number in the C locale ("42.500000").
    ///
    /// `Double("nan")` and `Double("inf")` succeed, so a vendor's "NaN" would otherwise poison a
    /// mean or a timestamp: only finite values count as numbers.
    public var double: Double? {
        switch self {
        case .number(let number): return number
        case .string(let text):
            guard let number = Double(text.trimmingWhitespace()), number.isFinite else { return nil }
            return number
        default: return nil
        }
    }

    /// Booleans, and the words and numbers some vendors use for them.
    public var bool: Bool? {
        switch self {
        case .bool(let value): return value
        case .number(let number): return number != 0
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: return nil
            }
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }
}
