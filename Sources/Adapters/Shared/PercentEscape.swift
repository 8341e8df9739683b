import Foundation

/// Percent-escaping of what an adapter puts into a URL or a form: everything but RFC 3986's
/// unreserved characters is escaped, so an odd job id cannot change the path or the query, and a
/// password with `&`, `=` or `+` arrives as typed. Ids are UUIDs or GUIDs in practice and pass
/// unchanged.
enum PercentEscape {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// One path segment or one query or form value.
    static func component(_ text: String) -> String {
        // Only text that is not valid Unicode can fail to escape, and Swift strings always are.
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
