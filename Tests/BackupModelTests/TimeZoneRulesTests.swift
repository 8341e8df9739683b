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

    /// Debian's files list transitions to 2037; from there the footer's POSIX rule decides.
    @Test("from 2037 to 2060 the footer's rule gives ICU's offsets, at noon, midnight and both sides of every transition", arguments: [
        "Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/Dublin", "Pacific/Chatham", "Asia/Kolkata",
    ])
    func footerRuleMatchesICU(identifier: String) throws {
        let rules = try #require(TimeZoneRules.named(identifier))
        let oracle = try #require(TimeZone(identifier: identifier))
        let (from, to): (Int64, Int64) = (2_114_380_800, 2_871_763_200) // 2037-01-01 to 2061-01-01
        var instants = Array(stride(from: from, to: to, by: 43_200))
        var transition = oracle.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(from)))
        while let date = transition, date.timeIntervalSince1970 < Double(to) {
            instants += [Int64(date.timeIntervalSince1970) - 1, Int64(date.timeIntervalSince1970)]
            transition = oracle.nextDaylightSavingTimeTransition(after: date)
        }
        let mismatches = instants.filter { instant in
            rules.offset(at: instant) != Int64(oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// A "slim" file, as zic writes by default: no transitions at all, only the rule.
    @Test("a zone file with no transitions and only a rule is read by the rule")
    func slimFile() throws {
        var file = Array("TZif2".utf8) + Array(repeating: 0, count: 15)
        // isutcnt, isstdcnt, leapcnt, timecnt, typecnt = 1, charcnt = 4; one type: -5 h, "EST\0".
        let header: [UInt32] = [0, 0, 0, 0, 1, 4]
        let block = header.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
            + [0xFF, 0xFF, 0xB9, 0xB0, 0, 0] + Array("EST\0".utf8)
        file += block + Array("TZif2".utf8) + Array(repeating: 0, count: 15) + block + Array("\nEST5EDT,M3.2.0,M11.1.0\n".utf8)
        let rules = try #require(TimeZoneRules.parse(file, identifier: "America/New_York"))
        let oracle = try #require(TimeZone(identifier: "America/New_York"))
        for instant in stride(from: Int64(1_262_304_000), to: 1_893_456_000, by: 21_600) { // 2010 to 2030
            #expect(rules.offset(at: instant) == Int64(oracle.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))), "at \(instant)")
        }
    }

    @Test("POSIX rules: names, signs, default times and the three ways to name a day", arguments: [
        ("EST5EDT,M3.2.0,M11.1.0", 1_783_000_000 as Int64, -14_400 as Int64),        // 2026-07-02: EDT
        ("EST5EDT,M3.2.0,M11.1.0", 1_767_225_600, -18_000),                           // 2026-01-01: EST
        ("<+0330>-3:30", 1_783_000_000, 12_600),
        ("IST-1GMT0,M10.5.0,M3.5.0/1", 1_783_000_000, 3600),                          // Dublin's summer is standard
        ("IST-1GMT0,M10.5.0,M3.5.0/1", 1_767_225_600, 0),
        // 2026 is not a leap year: J60 (February 29 never counted) and 59 (counted from 0) are both
        // 1 March, whose local midnight at +2 is 2026-02-28 22:00Z = 1,772,316,000.
        ("AAA-2BBB,J60/0,J300/0", 1_772_316_000, 10_800),
        ("AAA-2BBB,J60/0,J300/0", 1_772_315_999, 7200),
        ("AAA-2BBB,59/0,300/0", 1_772_316_000, 10_800),
        ("AAA-2BBB,59/0,300/0", 1_772_315_999, 7200),
        // 2028 is: J60 is still 1 March (2028-02-29 22:00Z = 1,835,474,400), day 59 is 29 February.
        ("AAA-2BBB,J60/0,J300/0", 1_835_474_399, 7200),
        ("AAA-2BBB,J60/0,J300/0", 1_835_474_400, 10_800),
        ("AAA-2BBB,59/0,300/0", 1_835_474_399, 10_800),
    ])
    func posixRules(text: String, instant: Int64, offset: Int64) throws {
        let rule = try #require(PosixTimeZoneRule(text))
        #expect(rule.offset(at: instant) == offset)
    }

    @Test("rules this reader does not understand are no rule", arguments: [
        "", "E5", "EST", "EST5EDT", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J0,J100", "EST25", "<AB>5", "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0junk",
    ])
    func refusedRules(text: String) {
        #expect(PosixTimeZoneRule(text) == nil)
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
