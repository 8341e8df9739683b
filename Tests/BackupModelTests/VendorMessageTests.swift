import BackupModel
import Testing

/// A vendor's free text reaches the journal and `/status` as one bounded line.
@Suite("Vendor messages")
struct VendorMessageTests {
    @Test("line breaks and whitespace runs become one space; the ends are trimmed")
    func collapsesWhitespace() {
        #expect(VendorMessage.bounded("  Disk full\n\n\tnear  /srv \r\n") == "Disk full near /srv")
    }

    @Test("nothing but whitespace, or no text, is no message")
    func emptyIsNil() {
        #expect(VendorMessage.bounded(" \n\t ") == nil)
        #expect(VendorMessage.bounded(nil) == nil)
        #expect(VendorMessage.bounded(joining: ["", ""]) == nil)
    }

    @Test("a text of exactly the limit is kept whole; one character more is cut to the limit and marked")
    func cutAtTheLimit() {
        let whole = String(repeating: "x", count: 1_000)
        #expect(VendorMessage.bounded(whole) == whole)
        #expect(VendorMessage.bounded(whole + "y") == whole + "…")
        // A whole log in one field (Unitrends `output`): 2 MB in, 1,001 characters out.
        let log = String(repeating: "line of a backup log\n", count: 100_000)
        let bounded = VendorMessage.bounded(log)
        #expect(bounded?.count == 1_001)
        #expect(bounded?.hasPrefix("line of a backup log line of a backup log") == true)
        #expect(bounded?.hasSuffix("…") == true)
    }

    @Test("collapsed spaces count towards the limit, so the cut line is never longer than it")
    func spacesCount() {
        let words = String(repeating: "ab     ", count: 400)  // "ab " × 400 after collapsing: 1,200
        let bounded = VendorMessage.bounded(words)
        #expect(bounded?.count == 1_001)
        #expect(bounded == String(String(repeating: "ab ", count: 334).prefix(1_000)) + "…")
    }

    @Test("several texts (one per failed task) are joined with a semicolon, empty ones skipped")
    func joinsParts() {
        #expect(VendorMessage.bounded(joining: ["database: volume not writable", "", "mail: 3 items unreadable"])
            == "database: volume not writable; mail: 3 items unreadable")
    }
}
