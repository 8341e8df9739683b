/// Percent-escaping of what an adapter puts into a URL or a form: everything but RFC 3986's
/// unreserved characters is escaped, so an odd job id cannot change the path or the query, and a
/// password with `&`, `=` or `+` arrives as typed. Ids are UUIDs or GUIDs in practice and pass
/// unchanged.
enum PercentEscape {
    /// One path segment or one query or form value, escaped byte by byte of its UTF-8.
    static func component(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                escaped += "%"
                escaped.unicodeScalars.append(Unicode.Scalar(hexDigits[Int(byte >> 4)]))
                escaped.unicodeScalars.append(Unicode.Scalar(hexDigits[Int(byte & 0x0F)]))
            }
        }
        return escaped
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
        }
    }
}
