#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Wall-clock time of a log entry, rendered without Foundation: no formatter to allocate or lock
/// per line, and no locale or time zone setting can change the digits.
struct LogTimestamp: Sendable, Equatable {
    var secondsSinceEpoch: Int
    var nanoseconds: Int

    static func now() -> LogTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return LogTimestamp(secondsSinceEpoch: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))
    }

    /// RFC 3339 in UTC with milliseconds, as Prometheus exporters write `ts=`:
    /// `2026-11-24T10:00:00.123Z`. Milliseconds are truncated, never rounded up into the next second.
    var rfc3339: String {
        let (days, secondOfDay) = secondsSinceEpoch.floorDivided(by: 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        let milliseconds = nanoseconds / 1_000_000
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
            + "T\(Self.pad(secondOfDay / 3600, 2)):\(Self.pad(secondOfDay / 60 % 60, 2)):\(Self.pad(secondOfDay % 60, 2))"
            + ".\(Self.pad(milliseconds, 3))Z"
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian, correct for dates before 1970 too,
    /// and pure arithmetic, so unlike `gmtime_r` it has no failure case to handle.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int {
    /// Division rounding toward negative infinity, so times before 1970 get a non-negative
    /// second of the day.
    fileprivate func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}
