#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FoundationEssentials

/// The `process_*` values of the Prometheus client libraries, read from `/proc`.
///
/// Every field is a `Double` because that is what the page carries; `maxFDs` is `+Inf` when the
/// soft limit is `unlimited`.
public struct ProcessStats: Sendable, Equatable {
    /// User plus system CPU time.
    public var cpuSeconds: Double
    public var residentBytes: Double
    public var virtualBytes: Double
    /// Unix seconds, to the resolution of a clock tick (usually 10 ms).
    public var startTimeSeconds: Double
    public var openFDs: Double
    /// The soft limit (`ulimit -n`), which is the one that makes `open` fail.
    public var maxFDs: Double

    public init(
        cpuSeconds: Double, residentBytes: Double, virtualBytes: Double, startTimeSeconds: Double,
        openFDs: Double, maxFDs: Double
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.startTimeSeconds = startTimeSeconds
        self.openFDs = openFDs
        self.maxFDs = maxFDs
    }

    /// Reads this process's values; nil off Linux or when `/proc` is not mounted or not readable,
    /// in which case the page keeps the process families' headers without samples.
    public static func current() -> ProcessStats? {
        #if os(Linux)
        guard
            let stat = readProcFile("/proc/self/stat"),
            let systemStat = bootTimeLine,
            let limits = readProcFile("/proc/self/limits"),
            let descriptors = countOpenFDs()
        else { return nil }
        let clockTicks = sysconf(Int32(_SC_CLK_TCK))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard clockTicks > 0, pageSize > 0 else { return nil }
        return ProcessStats(
            procSelfStat: stat, procStat: systemStat, procSelfLimits: limits,
            openFDs: descriptors, clockTicksPerSecond: Double(clockTicks), pageSizeBytes: Double(pageSize))
        #else
        return nil
        #endif
    }

    /// Builds the values from the texts of `/proc/self/stat`, `/proc/stat` and `/proc/self/limits`;
    /// nil when one of them lacks a field this needs. Separate from `current()` so that the
    /// parsing can be checked against fixed texts.
    ///
    /// The command name in `/proc/self/stat` is free text that may contain spaces and `)`, so the
    /// fields are counted from the *last* `)`.
    public init?(
        procSelfStat: String, procStat: String, procSelfLimits: String, openFDs: Int,
        clockTicksPerSecond: Double, pageSizeBytes: Double
    ) {
        // Bytes, not Characters, here and in `value(after:in:)`: this runs on every scrape, and
        // splitting by Character cost as much CPU as rendering the 1,000-job page.
        let stat = procSelfStat.utf8
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // Field 3 (state) is index 0 here, so field n of proc(5) is index n - 3.
        let fields = stat[stat.index(after: close)...].split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return index < fields.count ? Double(String(decoding: fields[index], as: UTF8.self)) : nil
        }
        guard
            let userTicks = field(14), let systemTicks = field(15), let startTicks = field(22),
            let virtualBytes = field(23), let residentPages = field(24),
            let bootTime = Self.value(after: "btime", in: procStat).flatMap(Double.init),
            let softLimit = Self.value(after: "Max open files", in: procSelfLimits)
        else { return nil }
        let maxFDs: Double
        if softLimit == "unlimited" {
            maxFDs = .infinity
        } else if let limit = Double(softLimit) {
            maxFDs = limit
        } else {
            return nil
        }
        self.init(
            cpuSeconds: (userTicks + systemTicks) / clockTicksPerSecond,
            residentBytes: residentPages * pageSizeBytes,
            virtualBytes: virtualBytes,
            startTimeSeconds: bootTime + startTicks / clockTicksPerSecond,
            openFDs: Double(openFDs),
            maxFDs: maxFDs)
    }

    /// The first whitespace-separated word after `prefix` on the line that starts with it.
    private static func value(after prefix: String, in text: String) -> String? {
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) where line.starts(with: prefix.utf8) {
            return line.dropFirst(prefix.utf8.count)
                .split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") })
                .first.map { String(decoding: $0, as: UTF8.self) }
        }
        return nil
    }

    #if os(Linux)
    /// The `btime` line of `/proc/stat`, read once: the boot time never changes, and the rest of
    /// that file (a line per CPU and per interrupt) is the largest read of a scrape.
    private static let bootTimeLine: String? = readProcFile("/proc/stat").flatMap { text in
        text.split(separator: "\n").first { $0.hasPrefix("btime") }.map(String.init)
    }

    /// `/proc` files report a size of 0, so they are read until end of file rather than by size.
    /// Plain `read(2)`: this runs on every scrape, and Foundation's file handle costs more than
    /// the read. Public for the daemon's other reads of `/proc/self`.
    public static func readProcFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of `/proc/self/fd` other than `.` and `..`, like the Go client counts them (the
    /// directory's own descriptor included).
    private static func countOpenFDs() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count
    }
    #endif
}
