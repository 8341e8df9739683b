@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
import Testing

/// The shipped binary links FoundationEssentials only, so percent-escaping, trimming and the
/// secret redaction are written out in the package. The test process has full Foundation, which
/// serves as the oracle where it has the same function.
struct FoundationFreeTextTests {
    static let samples = [
        "", "plain", "job 42", "a b&c=d+e/f?g#h", "pass%word", "ümlaut-é", "日本語", "emoji 🙂", "tab\tnew\nline",
        "~tilde.dot_under-dash", "quote\"single'", "{guid-5e0a7c21-4b8d}", "\u{0}nul", "e\u{301}",
    ]

    @Test("escaping matches Foundation's addingPercentEncoding with RFC 3986's unreserved set", arguments: samples)
    func percentEscape(text: String) throws {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        #expect(PercentEscape.component(text) == text.addingPercentEncoding(withAllowedCharacters: unreserved))
    }

    @Test("trimming matches Foundation's trimmingCharacters(in: .whitespacesAndNewlines)", arguments: samples + [
        "  padded  ", "\n\t Failed \r\n", "\u{00A0}nbsp\u{2003}", "   ", "\u{2028}line separator\u{2029}",
    ])
    func trimming(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("a secret followed by a combining mark is still redacted")
    func redactionByScalar() {
        let auth = AuthConfiguration(username: "monitor", password: Secret("hunter22"))
        #expect(auth.vendorMessage(["login hunter22\u{301} refused"]) == "login <redacted>\u{301} refused")
        #expect(auth.vendorMessage(["hunter22hunter22", "ok"]) == "<redacted><redacted>; ok")
    }
}
