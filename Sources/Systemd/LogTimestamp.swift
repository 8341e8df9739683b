import BackupModel
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
        let days = CivilDate.floorDivide(secondsSinceEpoch, 86_400)
        let secondOfDay = secondsSinceEpoch - days * 86_400
        let (year, month, day) = CivilDate.date(ofDay: days)
        let milliseconds = nanoseconds / 1_000_000
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
            + "T\(Self.pad(secondOfDay / 3600, 2)):\(Self.pad(secondOfDay / 60 % 60, 2)):\(Self.pad(secondOfDay % 60, 2))"
            + ".\(Self.pad(milliseconds, 3))Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
