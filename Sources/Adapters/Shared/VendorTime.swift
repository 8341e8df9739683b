import BackupModel
import FoundationEssentials

/// The time and duration spellings vendors use, turned into Unix seconds and seconds.
///
/// Everything is parsed by hand instead of with `DateFormatter` or `ISO8601DateFormatter`: those
/// follow the process locale, accept only a fixed number of fractional digits (Veeam sends 7), and
/// silently return nil for a shape they do not know. Every function here returns nil for text it
/// cannot read completely; none guesses.
public enum VendorTime {
    /// ISO-8601 date and time: `2018-05-30T12:19:14.7927466Z`, `2018-06-02T02:00:00`,
    /// `2017-04-03T05:36:11.0387317-07:00`, `...+0200`. `T` or a space between date and time, any
    /// number of fractional digits (a `,` works as the separator too), and `Z`, `±HH:MM`, `±HHMM`
    /// or `±HH` as zone. Without a zone the time is read in `defaultZone`, which callers take from
    /// the target's `timezone` option.
    public static func iso8601(_ text: String, defaultZone: TimeZoneRules = .utc) -> Double? {
        var scanner = DigitScanner(text.trimmingWhitespace())
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2),
              scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2), scanner.skip(":"),
              let second = scanner.number(digits: 2)
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") || scanner.skip(",") {
            guard let digits = scanner.digitRun(), !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = value
        }
        let offset: Int?
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let hours = scanner.number(digits: 2) else { return nil }
            var minutes = 0
            if scanner.skip(":") {
                guard let value = scanner.number(digits: 2) else { return nil }
                minutes = value
            } else if let value = scanner.number(digits: 2) {
                minutes = value
            }
            guard hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            offset = nil
        }
        guard scanner.atEnd else { return nil }
        let fields = Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard fields.isValid else { return nil }
        if let offset {
            return Double(fields.secondsSinceEpochInUTC - offset) + fraction
        }
        return fields.seconds(in: defaultZone) + fraction
    }

    /// `HH:mm:ss` (`00:00:28`), with hours allowed past 23 (`123:04:05`), optional fractional
    /// seconds (`00:01:02.5`) and an optional .NET-style day prefix (`1.02:03:04`).
    public static func duration(_ text: String) -> Double? {
        var scanner = DigitScanner(text.trimmingWhitespace())
        guard let first = scanner.digitRun().flatMap({ Int($0) }) else { return nil }
        var days = 0
        var hours = first
        if scanner.skip(".") {
            days = first
            guard let value = scanner.digitRun().flatMap({ Int($0) }) else { return nil }
            hours = value
        }
        guard scanner.skip(":"), let minutes = scanner.number(digits: 2), scanner.skip(":"),
              let seconds = scanner.number(digits: 2), minutes <= 59, seconds <= 59
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") {
            guard let digits = scanner.digitRun(), !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = value
        }
        guard scanner.atEnd else { return nil }
        return Double(((days * 24 + hours) * 60 + minutes) * 60 + seconds) + fraction
    }

    /// A US-style local time without zone, as Unitrends appliances print it:
    /// `10/14/2014 09:32 am` (`MM/dd/yyyy hh:mm a`), read in `zone`. Seconds (`09:32:17 am`),
    /// upper-case `AM`/`PM` and one-digit month, day or hour are accepted; without `am`/`pm` the
    /// hour is read on the 24-hour clock.
    ///
    /// A wall time that does not exist in `zone` (skipped by a daylight-saving jump) or exists
    /// twice (repeated when clocks go back) is resolved as `TimeZoneRules.utc(fromLocal:)` says:
    /// the local text cannot say more.
    public static func localDateTime(_ text: String, zone: TimeZoneRules) -> Double? {
        var scanner = DigitScanner(text.trimmingWhitespace())
        guard let month = scanner.number(minDigits: 1, maxDigits: 2), scanner.skip("/"),
              let day = scanner.number(minDigits: 1, maxDigits: 2), scanner.skip("/"),
              let year = scanner.number(digits: 4), scanner.skipSpaces(),
              var hour = scanner.number(minDigits: 1, maxDigits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2)
        else { return nil }
        var second = 0
        if scanner.skip(":") {
            guard let value = scanner.number(digits: 2) else { return nil }
            second = value
        }
        let hadSpace = scanner.skipSpaces()
        if let meridiem = scanner.meridiem() {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == .pm ? 12 : 0)
        } else if hadSpace && !scanner.atEnd {
            return nil
        }
        guard scanner.atEnd else { return nil }
        let fields = Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard fields.isValid else { return nil }
        return fields.seconds(in: zone)
    }

    /// A calendar date and wall-clock time, checked for range before any conversion.
    struct Fields {
        var year, month, day, hour, minute, second: Int

        var isValid: Bool {
            guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
                  (0...60).contains(second), day >= 1 else { return false }
            return day <= CivilDate.daysIn(month: month, year: year)
        }

        /// Seconds from 1970-01-01 to the date and time read as UTC.
        var secondsSinceEpochInUTC: Int {
            CivilDate.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        }

        func seconds(in zone: TimeZoneRules) -> Double {
            Double(zone.utc(fromLocal: Int64(secondsSinceEpochInUTC)))
        }
    }
}

/// A cursor over ASCII text for the fixed-shape parsers above.
private struct DigitScanner {
    enum Meridiem { case am, pm }

    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ literal: Character) -> Bool {
        guard let ascii = literal.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    /// Skips one or more spaces; false when there was none.
    mutating func skipSpaces() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        return index > start
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    /// Exactly `digits` digits.
    mutating func number(digits: Int) -> Int? {
        number(minDigits: digits, maxDigits: digits)
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, index < bytes.count, let digit = Self.digit(bytes[index]) {
            value = value * 10 + digit
            index += 1
            count += 1
        }
        return count >= minDigits ? value : nil
    }

    /// All digits from here (possibly none); nil only when the run is absurdly long.
    mutating func digitRun() -> String? {
        let start = index
        while index < bytes.count, Self.digit(bytes[index]) != nil { index += 1 }
        guard index - start <= 18 else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func meridiem() -> Meridiem? {
        guard index + 1 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "m") else { return nil }
        switch bytes[index] | 0x20 {
        case UInt8(ascii: "a"): index += 2; return .am
        case UInt8(ascii: "p"): index += 2; return .pm
        default: return nil
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
