import Exposition
import Foundation
import Testing

@Suite("Process stats")
struct ProcessStatsTests {
    // A /proc/self/stat line whose command name holds spaces and a ")" to trip naive splitting.
    static let stat = "4242 (backup (x) exporter) S 1 4242 4242 0 -1 4194560 2046 0 0 0 250 130 0 0 20 0 9 0 "
        + "123456 1234567168 12800 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
    static let systemStat = "cpu  1 2 3 4\nintr 5 6\nctxt 7\nbtime 1699900000\nprocesses 8\n"
    static let limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            1024                 524288               files
        Max locked memory         8388608              8388608              bytes

        """

    @Test("parses /proc texts: CPU from utime+stime, start from btime plus start ticks, RSS in pages")
    func parsesFixedTexts() {
        let stats = ProcessStats(procSelfStat: Self.stat, procStat: Self.systemStat, procSelfLimits: Self.limits,
                                 openFDs: 12, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        #expect(stats == ProcessStats(cpuSeconds: 3.8, residentBytes: 52_428_800, virtualBytes: 1_234_567_168,
                                      startTimeSeconds: 1_699_901_234.56, openFDs: 12, maxFDs: 1024))
    }

    @Test("an unlimited open-files soft limit reads as +Inf")
    func unlimitedFiles() {
        let limits = Self.limits.replacingOccurrences(of: "1024                 524288", with: "unlimited            unlimited")
        let stats = ProcessStats(procSelfStat: Self.stat, procStat: Self.systemStat, procSelfLimits: limits,
                                 openFDs: 3, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        #expect(stats?.maxFDs == .infinity)
    }

    @Test("texts missing a needed field give nil rather than a made-up value")
    func missingFields() {
        let truncated = ProcessStats(procSelfStat: "1 (x) S 1 2 3", procStat: Self.systemStat, procSelfLimits: Self.limits,
                                     openFDs: 1, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        let noBootTime = ProcessStats(procSelfStat: Self.stat, procStat: "cpu 1 2 3\n", procSelfLimits: Self.limits,
                                      openFDs: 1, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        let noLimit = ProcessStats(procSelfStat: Self.stat, procStat: Self.systemStat, procSelfLimits: "Limit\n",
                                   openFDs: 1, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        #expect(truncated == nil)
        #expect(noBootTime == nil)
        #expect(noLimit == nil)
    }

    #if os(Linux)
    @Test("current() reads plausible values for this test process")
    func currentIsPlausible() throws {
        let stats = try #require(ProcessStats.current())
        let now = Date().timeIntervalSince1970
        #expect(stats.residentBytes > 0)
        #expect(stats.virtualBytes >= stats.residentBytes)
        #expect(stats.openFDs > 0)
        #expect(stats.maxFDs >= stats.openFDs)
        #expect(stats.cpuSeconds >= 0)
        #expect(stats.startTimeSeconds > now - 86_400)
        #expect(stats.startTimeSeconds <= now + 1)
    }
    #endif
}
