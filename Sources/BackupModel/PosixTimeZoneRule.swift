/// The POSIX `TZ` rule at the end of a version 2+ TZif file (RFC 8536 §3.3), which says what the
/// offset is after the file's last transition: `CET-1CEST,M3.5.0,M10.5.0/3`. "Slim" zone files
/// stop listing transitions once the rule can carry on alone, and every file stops at some year
/// (Debian's "fat" ones at 2037), so without it times after that would keep the last offset.
struct PosixTimeZoneRule: Sendable, Equatable {
    /// Seconds east of UTC (POSIX writes the opposite sign: `EST5` is 5 hours west).
    let standardOffset: Int64
    let daylight: Daylight?

    struct Daylight: Sendable, Equatable {
        let offset: Int64
        let start: DateRule
        /// Local standard time of day, seconds (RFC 8536 allows -167 to 167 hours).
        let startTime: Int64
        let end: DateRule
        /// Local daylight time of day, seconds.
        let endTime: Int64
    }

    enum DateRule: Sendable, Equatable {
        /// `Jn`: 1...365, February 29 never counted.
        case julian(Int)
        /// `n`: 0...365, February 29 counted.
        case zeroBased(Int)
        /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, day: Int)

        /// The day this rule names in `year`, as days since 1970-01-01.
        func day(in year: Int) -> Int {
            let january1 = CivilDate.days(year: year, month: 1, day: 1)
            switch self {
            case .julian(let n):
                return january1 + n - 1 + (CivilDate.isLeap(year) && n >= 60 ? 1 : 0)
            case .zeroBased(let n):
                return january1 + n
            case .monthWeekDay(let month, let week, let weekday):
                let first = CivilDate.days(year: year, month: month, day: 1)
                // 1970-01-01 was a Thursday (4).
                let firstWeekday = (first + 4) - CivilDate.floorDivide(first + 4, 7) * 7
                let candidate = first + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
                let last = first + CivilDate.daysIn(month: month, year: year) - 1
                return candidate > last ? candidate - 7 : candidate
            }
        }
    }

    /// Seconds east of UTC at the instant `utc`.
    func offset(at utc: Int64) -> Int64 {
        guard let daylight else { return standardOffset }
        let year = CivilDate.date(ofDay: CivilDate.floorDivide(Int(utc + standardOffset), 86_400)).year
        let start = Int64(daylight.start.day(in: year)) * 86_400 + daylight.startTime - standardOffset
        let end = Int64(daylight.end.day(in: year)) * 86_400 + daylight.endTime - daylight.offset
        // Northern rules start and end in the same year; southern (and Dublin's negative
        // daylight time) end before they start, so the year begins in daylight time.
        let inDaylight = start < end ? (start <= utc && utc < end) : !(end <= utc && utc < start)
        return inDaylight ? daylight.offset : standardOffset
    }

    /// Reads `text`; nil for anything that is not a rule this reader understands, in which case
    /// the zone keeps its last listed offset.
    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let standard = scanner.offset() else { return nil }
        standardOffset = -standard
        if scanner.atEnd {
            daylight = nil
            return
        }
        guard scanner.name() else { return nil }
        var daylightOffset = standardOffset + 3600
        if !scanner.peek(",") {
            guard let written = scanner.offset() else { return nil }
            daylightOffset = -written
        }
        guard scanner.skip(","), let start = scanner.dateRule() else { return nil }
        let startTime = scanner.skip("/") ? scanner.time() : 7200
        guard let startTime, scanner.skip(","), let end = scanner.dateRule() else { return nil }
        let endTime = scanner.skip("/") ? scanner.time() : 7200
        guard let endTime, scanner.atEnd else { return nil }
        daylight = Daylight(offset: daylightOffset, start: start, startTime: startTime, end: end, endTime: endTime)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        func peek(_ character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue
        }

        mutating func skip(_ character: Character) -> Bool {
            guard peek(character) else { return false }
            index += 1
            return true
        }

        /// `EST` (three or more letters) or `<+0330>` (three or more of letters, digits, + and -).
        mutating func name() -> Bool {
            let start = index
            if skip("<") {
                while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                    let byte = bytes[index]
                    guard isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else { return false }
                    index += 1
                }
                guard index - start - 1 >= 3, skip(">") else { return false }
                return true
            }
            while index < bytes.count, isLetter(bytes[index]) { index += 1 }
            return index - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds, POSIX's sign (west positive), hours 0...24.
        mutating func offset() -> Int64? { signedClock(maxHours: 24) }

        /// A transition's local time of day, RFC 8536's extension: -167...167 hours.
        mutating func time() -> Int64? { signedClock(maxHours: 167) }

        mutating func dateRule() -> DateRule? {
            if skip("J") {
                guard let day = number(maxDigits: 3), (1...365).contains(day) else { return nil }
                return .julian(day)
            }
            if skip("M") {
                guard let month = number(maxDigits: 2), (1...12).contains(month), skip("."),
                      let week = number(maxDigits: 1), (1...5).contains(week), skip("."),
                      let day = number(maxDigits: 1), (0...6).contains(day) else { return nil }
                return .monthWeekDay(month: month, week: week, day: day)
            }
            guard let day = number(maxDigits: 3), (0...365).contains(day) else { return nil }
            return .zeroBased(day)
        }

        private mutating func signedClock(maxHours: Int) -> Int64? {
            var sign: Int64 = 1
            if skip("-") { sign = -1 } else { _ = skip("+") }
            guard let hours = number(maxDigits: 3), hours <= maxHours else { return nil }
            var seconds = Int64(hours) * 3600
            if skip(":") {
                guard let minutes = number(maxDigits: 2), minutes <= 59 else { return nil }
                seconds += Int64(minutes) * 60
                if skip(":") {
                    guard let secs = number(maxDigits: 2), secs <= 59 else { return nil }
                    seconds += Int64(secs)
                }
            }
            return sign * seconds
        }

        private mutating func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < bytes.count, isDigit(bytes[index]), digits < maxDigits {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            return digits == 0 ? nil : value
        }

        private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
