@testable import Adapters
import Foundation
import BackupModel
import Testing

struct VendorTimeTests {
    // 2018-05-30T12:19:14Z
    static let base: Double = 1_527_682_754

    @Test("ISO-8601 reads any number of fractional digits, with or without a zone", arguments: [
        ("2018-05-30T12:19:14.7927466Z", base + 0.7927466),
        ("2018-05-30T12:19:14Z", base),
        ("2018-05-30T12:19:14.5Z", base + 0.5),
        ("2018-05-30T12:19:14.123456789Z", base + 0.123456789),
        ("2018-05-30t12:19:14z", base),
        ("2018-05-30 12:19:14Z", base),
        ("2018-05-30T12:19:14,25Z", base + 0.25),
        ("2018-05-30T05:19:14.0000000-07:00", base),
        ("2018-05-30T14:19:14+0200", base),
        ("2018-05-30T14:19:14+02", base),
        ("2018-05-30T12:19:14", base),
        ("  2018-05-30T12:19:14Z ", base),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
    ])
    func iso8601(text: String, expected: Double) {
        let value = VendorTime.iso8601(text)
        #expect(value.map { abs($0 - expected) < 1e-6 } == true, "\(text) → \(String(describing: value))")
    }

    @Test("ISO-8601 without a zone is read in the zone it is given")
    func isoDefaultZone() throws {
        let berlin = try #require(TimeZoneRules.named("Europe/Berlin"))
        #expect(VendorTime.iso8601("2018-05-30T14:19:14", defaultZone: berlin) == Self.base)
        #expect(VendorTime.iso8601("2018-05-30T14:19:14Z", defaultZone: berlin) == Self.base + 7200)
    }

    @Test("ISO-8601 refuses what it cannot read completely", arguments: [
        "", "2018-05-30", "2018-05-30T12:19", "2018-13-01T00:00:00Z", "2018-02-30T00:00:00Z", "2019-02-29T00:00:00Z",
        "2018-05-30T24:00:00Z", "2018-05-30T12:19:14.Z", "2018-05-30T12:19:14Zjunk", "2018-05-30T12:19:14+2", "18-05-30T12:19:14Z",
        "Wed, 30 May 2018 12:19:14 GMT", "2018-05-30T12:19:14+25:00",
    ])
    func isoRejects(text: String) {
        #expect(VendorTime.iso8601(text) == nil)
    }

    @Test("durations HH:mm:ss become seconds", arguments: [
        ("00:00:28", 28.0), ("01:02:03", 3723), ("123:04:05", 443_045), ("0:00:01", 1), ("00:01:02.5", 62.5),
        ("1.02:03:04", 93_784), (" 00:10:00 ", 600),
    ])
    func durations(text: String, expected: Double) {
        #expect(VendorTime.duration(text) == expected)
    }

    @Test("durations refuse other shapes", arguments: ["", "28", "00:28", "00:60:00", "00:00:60", "aa:bb:cc", "-00:00:01", "00:00:01 h"])
    func durationRejects(text: String) {
        #expect(VendorTime.duration(text) == nil)
    }

    @Test("local MM/dd/yyyy hh:mm a is read in the appliance's zone", arguments: [
        ("10/14/2014 09:32 am", "UTC", 1_413_279_120.0),
        ("10/14/2014 09:32 AM", "UTC", 1_413_279_120),
        ("10/14/2014 09:32am", "UTC", 1_413_279_120),
        ("10/14/2014 09:32 pm", "UTC", 1_413_322_320),
        ("10/14/2014 12:05 am", "UTC", 1_413_245_100),
        ("10/14/2014 12:05 pm", "UTC", 1_413_288_300),
        ("1/2/2015 3:04 pm", "UTC", 1_420_211_040),
        ("10/14/2014 09:32:17 am", "UTC", 1_413_279_137),
        ("10/14/2014 21:32", "UTC", 1_413_322_320),
        ("10/14/2014 09:32 am", "America/New_York", 1_413_293_520),
        ("01/14/2015 09:32 am", "America/New_York", 1_421_245_920),
        ("10/14/2014 09:32 am", "Asia/Kolkata", 1_413_259_320),
        // Clocks go back: the wall time happens twice and the earlier instant is taken
        // (01:30 EDT = 05:30Z, not 01:30 EST = 06:30Z; 02:30 CEST = 00:30Z, not 02:30 CET = 01:30Z).
        ("11/06/2022 01:30 am", "America/New_York", 1_667_712_600),
        ("10/30/2022 02:30 am", "Europe/Berlin", 1_667_089_800),
        // Clocks go forward: the wall time never happens and is read with the offset in force
        // before the jump (02:30 EST = 07:30Z; 02:30 CET = 01:30Z).
        ("03/13/2022 02:30 am", "America/New_York", 1_647_156_600),
        ("03/27/2022 02:30 am", "Europe/Berlin", 1_648_344_600),
        // Past the jump, the new offset: 03:30 EDT = 07:30Z.
        ("03/13/2022 03:30 am", "America/New_York", 1_647_156_600),
    ])
    func localTimes(text: String, zone: String, expected: Double) throws {
        let timeZone = try #require(TimeZoneRules.named(zone))
        #expect(VendorTime.localDateTime(text, zone: timeZone) == expected)
    }

    @Test("local times refuse impossible or foreign shapes", arguments: [
        "", "10/14/2014", "13/14/2014 09:32 am", "02/30/2014 09:32 am", "10/14/2014 13:32 pm", "10/14/2014 00:32 am",
        "10/14/14 09:32 am", "2014-10-14 09:32", "10/14/2014 09:32 xm", "10/14/2014 09:32 am extra", "10/14/2014 9:5 am",
    ])
    func localRejects(text: String) {
        #expect(VendorTime.localDateTime(text, zone: .utc) == nil)
    }
}
