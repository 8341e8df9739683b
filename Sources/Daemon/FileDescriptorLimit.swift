#if canImport(Glibc)
import Glibc
#endif

/// The soft limit on open files, raised to the hard limit at start, as Go programs do: systemd
/// gives a service a soft limit of 1024 (and a hard one of 524288), and a daemon that serves
/// scrapers and polls vendors must not run out of descriptors because of a default meant for
/// programs using select(2). The daemon uses no select(2).
public enum FileDescriptorLimit {
    public struct Change: Sendable, Equatable {
        public var before: UInt64
        public var after: UInt64
        public var hard: UInt64
    }

    /// Raises the soft limit to the hard one; nil when the limits cannot be read. A refused
    /// raise leaves the soft limit as it was (and `after == before`).
    public static func raiseToHard() -> Change? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let before = UInt64(limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Change(before: before, after: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// The soft limit now, nil when it cannot be read; "unlimited" reads as `Int.max`.
    public static func soft() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return limit.rlim_cur >= UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
