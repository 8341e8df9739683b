@testable import Adapters
import BackupModel
import Foundation
import Testing

/// Oracle (b): the vendor SDK's status words against the adapter's mapping and the documented
/// table. `Golden/seeds/veeam-365-status-words.txt` lists every word of the `veeam-365` SDK's
/// session and last-status enums (the Python fidelity test `test_veeam_m365_status_oracle.py`
/// fails when the installed SDK lists other words); this test fails when the table in
/// `docs/vendors/veeam_m365.md` lacks one of them, names one the SDK does not know, or the adapter
/// maps a word differently from the table.
@Suite("Veeam M365 status words: SDK, docs and adapter agree")
struct VeeamM365StatusOracleTests {
    static func sdkWords() throws -> [String] {
        try Golden.text(vendor: "seeds", name: "veeam-365-status-words.txt")
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    /// `word → state` from the "Status mapping" table of the vendor doc: every backticked word of
    /// a row's first cell maps to the backticked state of its second cell.
    static func documentedTable() throws -> [String: JobState] {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/vendors/veeam_m365.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Status mapping").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        var table: [String: JobState] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= 3 else { continue }
            let words = backticked(cells[1])
            guard let stateWord = backticked(cells[2]).first, let state = JobState(rawValue: stateWord) else { continue }
            for word in words { table[word] = state }
        }
        return table
    }

    static func backticked(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test("the SDK list is the one this test was written for")
    func sdkList() throws {
        #expect(try Self.sdkWords() == ["Disconnected", "Failed", "NotConfigured", "Queued", "Running", "Stopped", "Success", "Warning"])
    }

    @Test("the documented table names exactly the SDK's words")
    func tableCoversSDK() throws {
        let table = try Self.documentedTable()
        #expect(Set(table.keys) == Set(try Self.sdkWords()))
    }

    @Test("the adapter maps every SDK word as documented, for sessions and for a job's lastStatus")
    func adapterAgrees() throws {
        let table = try Self.documentedTable()
        for word in try Self.sdkWords() {
            let documented = try #require(table[word], "\(word) is not in docs/vendors/veeam_m365.md")
            #expect(VeeamM365Session.state(for: word) == documented, "\(word)")
            let session = try VeeamM365Session(json: .object(["id": .string("s"), "status": .string(word)]), context: "test")
            #expect(session.run.state == documented, "\(word)")
        }
    }
}
