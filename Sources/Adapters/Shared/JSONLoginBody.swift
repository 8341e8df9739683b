import BackupModel
import FoundationEssentials

/// The `{"username": ..., "password": ...}` body the login calls post, encoded by `JSONEncoder`
/// so any character in a password is escaped as JSON wants it.
enum JSONLoginBody {
    private struct Body: Encodable {
        var username: String
        var password: String
    }

    /// `call` names the login call in the error, which never contains the password.
    static func encode(username: String, password: String, call: String) throws(PollError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(Body(username: username, password: password)))
        } catch {
            throw PollError(.other, "\(call): cannot encode the login body")
        }
    }
}
