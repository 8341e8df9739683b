import NIOCore
import NIOHTTP1

/// A fully received request. Bodies are small here (login forms, JSON filters), so the server
/// collects them whole, up to `HTTPServer.Configuration.maxRequestBodyBytes`.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The raw request target, e.g. `/api/v8/Jobs?limit=10`.
    public var uri: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without query string.
    public var path: Substring {
        guard let q = uri.firstIndex(of: "?") else { return Substring(uri) }
        return uri[..<q]
    }

    /// Query parameters, percent-decoded; the last one wins when a name repeats.
    public var query: [String: String] {
        guard let q = uri.firstIndex(of: "?") else { return [:] }
        return FormDecoding.decode(uri[uri.index(after: q)...])
    }

    /// The body as UTF-8 text (invalid sequences repaired).
    public var bodyText: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}

/// `application/x-www-form-urlencoded` decoding, shared by query strings and form bodies (the
/// Veeam token endpoint takes a form).
public enum FormDecoding {
    public static func decode<S: StringProtocol>(_ text: S) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            result[key] = value
        }
        return result
    }

    static func unescape<S: StringProtocol>(_ text: S) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if let high = iterator.next(), let low = iterator.next(),
                   let h = hexValue(high), let l = hexValue(low) {
                    bytes.append(h << 4 | l)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
