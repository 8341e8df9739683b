#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IANA time zone's UTC offsets over time, read from the system's compiled tz database
/// (`/usr/share/zoneinfo`, Debian's `tzdata`), as Go and glibc read it.
///
/// Why not Foundation's `TimeZone`: without FoundationInternationalization it knows only fixed
/// offsets, and that module brings ICU's 30 MB of data into a binary that needs nothing else of
/// it. The TZif format (RFC 8536) is a list of transitions and offsets; that is all a vendor's
/// local wall-clock time needs.
///
/// After the file's last transition, the POSIX rule in its footer (`PosixTimeZoneRule`) gives the
/// offset; a file without one (version 1) or with one this reader does not understand keeps the
/// last listed offset.
public struct TimeZoneRules: Sendable, Equatable {
    public let identifier: String
    /// UTC instants (seconds since 1970) at which the offset changes, ascending.
    private let transitions: [Int64]
    /// `offsets[i]`, seconds east of UTC, holds from `transitions[i]` on.
    private let offsets: [Int32]
    /// The offset before the first transition (RFC 8536: local time type 0).
    private let initialOffset: Int32
    /// What holds after the last transition.
    private let rule: PosixTimeZoneRule?

    public static let utc = TimeZoneRules(identifier: "UTC", transitions: [], offsets: [], initialOffset: 0, rule: nil)

    /// Where the compiled zones are; `TZDIR` overrides it, as for glibc.
    static var directory: String {
        if let value = getenv("TZDIR"), value.pointee != 0 { return String(cString: value) }
        return "/usr/share/zoneinfo"
    }

    /// The zone called `identifier` (`Europe/Berlin`), or nil when the name is not a zone of the
    /// database. `UTC` and `GMT` need no file.
    public static func named(_ identifier: String) -> TimeZoneRules? {
        if identifier == "UTC" || identifier == "GMT" { return TimeZoneRules(identifier: identifier, transitions: [], offsets: [], initialOffset: 0, rule: nil) }
        // A name is letters, digits and `_+-` in parts joined by `/`: never absolute, never `..`.
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard !identifier.isEmpty, identifier.utf8.count <= 255, parts.allSatisfy({ part in
            !part.isEmpty && part != "." && part != ".."
                && part.utf8.allSatisfy { byte in
                    (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                }
        }) else { return nil }
        guard let bytes = readFile(directory + "/" + identifier) else { return nil }
        return parse(bytes, identifier: identifier)
    }

    /// Seconds east of UTC at the instant `utc`.
    public func offset(at utc: Int64) -> Int64 {
        // The last transition at or before `utc`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= utc { low = middle + 1 } else { high = middle }
        }
        if low == transitions.count, let rule { return rule.offset(at: utc) }
        return Int64(low == 0 ? initialOffset : offsets[low - 1])
    }

    /// The UTC instant of a wall-clock time, given as seconds since 1970 as if it were UTC.
    /// A wall time that happens twice (clocks go back) is the earlier instant; one that never
    /// happens (clocks go forward) is read with the offset in force before the jump. That is
    /// how Foundation's `Calendar` resolves them, which the Unitrends adapter used before.
    public func utc(fromLocal local: Int64) -> Int64 {
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        let early = local - before
        let late = local - after
        switch (offset(at: early) == before, offset(at: late) == after) {
        case (true, true): return min(early, late)
        case (true, false): return early
        case (false, true): return late
        case (false, false): return early
        }
    }

    /// RFC 8536: a version 1 block with 32-bit times, then (version 2 and later) the same data
    /// with 64-bit times, which is the one read when present.
    static func parse(_ bytes: [UInt8], identifier: String) -> TimeZoneRules? {
        guard let first = Block(bytes, at: 0, timeSize: 4) else { return nil }
        guard bytes[4] >= UInt8(ascii: "2") else { return first.rules(identifier: identifier, rule: nil) }
        guard let second = Block(bytes, at: first.end, timeSize: 8) else { return nil }
        // The footer: the rule between two newlines right after the second block.
        let footer = bytes[second.end...]
        guard footer.first == UInt8(ascii: "\n"), let close = footer.dropFirst().firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let text = String(decoding: footer[(footer.startIndex + 1)..<close], as: UTF8.self)
        return second.rules(identifier: identifier, rule: text.isEmpty ? nil : PosixTimeZoneRule(text))
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count <= 1_048_576 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
        return nil // no zone file is a megabyte
    }

    /// One header and its data.
    private struct Block {
        let transitions: [Int64]
        let typeIndices: [UInt8]
        let typeOffsets: [Int32]
        let end: Int

        init?(_ bytes: [UInt8], at start: Int, timeSize: Int) {
            guard start >= 0, bytes.count >= start + 44, bytes[start..<start + 4].elementsEqual("TZif".utf8) else { return nil }
            func count(_ index: Int) -> Int { Int(Block.uint32(bytes, start + 20 + 4 * index)) }
            let (utIndicators, standardIndicators, leaps, times, types, characters) = (count(0), count(1), count(2), count(3), count(4), count(5))
            guard types >= 1, types <= 256, times <= 100_000, leaps <= 10_000, characters <= 10_000,
                  utIndicators <= types, standardIndicators <= types else { return nil }
            let timesStart = start + 44
            let indicesStart = timesStart + times * timeSize
            let typesStart = indicesStart + times
            let end = typesStart + types * 6 + characters + leaps * (timeSize + 4) + standardIndicators + utIndicators
            guard bytes.count >= end else { return nil }
            transitions = (0..<times).map { index in
                let offset = timesStart + index * timeSize
                return timeSize == 8 ? Int64(bitPattern: Block.uint64(bytes, offset)) : Int64(Int32(bitPattern: Block.uint32(bytes, offset)))
            }
            typeIndices = Array(bytes[indicesStart..<typesStart])
            typeOffsets = (0..<types).map { Int32(bitPattern: Block.uint32(bytes, typesStart + $0 * 6)) }
            guard typeIndices.allSatisfy({ Int($0) < types }), zip(transitions, transitions.dropFirst()).allSatisfy({ $0 < $1 }),
                  typeOffsets.allSatisfy({ (-26 * 3600...26 * 3600).contains($0) }) else { return nil }
            self.end = end
        }

        func rules(identifier: String, rule: PosixTimeZoneRule?) -> TimeZoneRules {
            TimeZoneRules(identifier: identifier, transitions: transitions,
                          offsets: typeIndices.map { typeOffsets[Int($0)] }, initialOffset: typeOffsets[0], rule: rule)
        }

        static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
        }

        static func uint64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
            (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[offset + $1]) }
        }
    }
}
