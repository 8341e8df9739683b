/// JSON or XML, for the vendors whose APIs serve both (Commvault, ECLYPSE): what `options.format`
/// asks the server for. The answer's `Content-Type` still decides how a body is read, because a
/// proxy or an old server may ignore the request.
public enum ResponseFormat: String, CaseIterable, Sendable {
    case json, xml

    /// The `Accept` header that asks for this format.
    public var accept: String { self == .json ? "application/json" : "application/xml" }

    /// `options.format`, defaulting to JSON.
    static func decode(_ options: ConfigMapping) throws(ConfigError) -> ResponseFormat {
        let word = try options.string("format") ?? ResponseFormat.json.rawValue
        guard let format = ResponseFormat(rawValue: word) else {
            throw options.error("format", "must be json or xml, not '\(word)'")
        }
        return format
    }
}
