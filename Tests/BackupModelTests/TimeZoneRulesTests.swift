@testable import BackupModel
import Foundation
import Testing
import TestSupport

/// The zone reader against an independent oracle: Foundation's `TimeZone`, which in the test
/// process is ICU's, with ICU's own copy of the tz database (the daemon itself links neither).
struct TimeZoneRulesTests {
    @Test("every day from 1970 to 2037, and both sides of every transition, have ICU's offset", arguments: [
        "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Pacific/Chatham", "Asia/Tehran",
    ])
    func offsetsMatchICU(identifier: String) throws {
        let rules = try #require(TimeZoneRules.named(identifier))
        let oracle = try #require(TimeZone(identifier: identifier))
        var mismatches: [String] = []
        // Noon and midnight UTC of every day, so both sides of most transitions are seen.
        for instant in stride(from: Int64(0), to: 2_145_916_800, by: 43_200) {
            let expected = oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
            if rules.offset(at: instant) != Int64(expected) { mismatches.append("\(instant): \(rules.offset(at: instant)) vs \(expected)") }
        }
        // And the second before and the second of every transition ICU knows of.
        var transition = oracle.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0))
        while let date = transition, date.timeIntervalSince1970 < 2_145_916_800 {
            for instant in [Int64(date.timeIntervalSince1970) - 1, Int64(date.timeIntervalSince1970)] {
                let expected = oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
                if rules.offset(at: instant) != Int64(expected) { mismatches.append("\(instant): \(rules.offset(at: instant)) vs \(expected)") }
            }
            transition = oracle.nextDaylightSavingTimeTransition(after: date)
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("UTC and GMT need no file; the offset is 0 at every instant")
    func utcNeedsNoFile() throws {
        let rules = try #require(TimeZoneRules.named("UTC"))
        #expect(rules.offset(at: 0) == 0 && rules.offset(at: 1_700_000_000) == 0)
        #expect(rules.utc(fromLocal: 1_700_000_000) == 1_700_000_000)
        #expect(TimeZoneRules.named("GMT") != nil)
    }

    @Test("names that are not zones, or that would leave the zone folder, are refused", arguments: [
        "", "Nowhere/City", "../../etc/passwd", "/etc/localtime", "Europe/../../../etc/passwd", "Europe//Berlin",
        "Europe/Berlin/", "Europe/Ber lin", "Europe/Berlin\u{0}", "europe/berlin/..", String(repeating: "A", count: 300),
    ])
    func refusedNames(name: String) {
        #expect(TimeZoneRules.named(name) == nil)
    }

    @Test("a file that is not TZif, or is cut short, is no zone")
    func brokenFiles() throws {
        let good = try #require(FileManager.default.contents(atPath: "/usr/share/zoneinfo/Europe/Berlin"))
        #expect(TimeZoneRules.parse(Array(good), identifier: "Europe/Berlin") == TimeZoneRules.named("Europe/Berlin"))
        #expect(TimeZoneRules.parse(Array("not a zone file at all, but long enough to have a header".utf8), identifier: "x") == nil)
        for length in [0, 4, 43, 44, 100, good.count / 2, good.count - 60] {
            #expect(TimeZoneRules.parse(Array(good.prefix(length)), identifier: "x") == nil, "cut at \(length)")
        }
    }

    @Test("a wall time read back gives the instant it came from, away from transitions")
    func localRoundTrip() throws {
        let berlin = try #require(TimeZoneRules.named("Europe/Berlin"))
        for instant in stride(from: Int64(1_600_000_000), to: 1_700_000_000, by: 86_399) {
            let local = instant + berlin.offset(at: instant)
            let back = berlin.utc(fromLocal: local)
            // Only the hour after clocks go back is ambiguous, and then the earlier instant is read.
            #expect(back == instant || back == instant - 3600)
        }
    }
}
