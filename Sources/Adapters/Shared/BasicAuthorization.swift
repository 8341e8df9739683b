import ExporterConfig
import FoundationEssentials

/// The `Authorization: Basic` value (RFC 7617) for vendors that take credentials on every
/// request instead of a login call. The value is a credential: it never goes into a message.
enum BasicAuthorization {
    static func value(username: String, password: Secret) -> String {
        "Basic " + Data("\(username):\(password.reveal())".utf8).base64EncodedString()
    }
}
