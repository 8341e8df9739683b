import FoundationEssentials

/// How the soft open-file limit is shared between scrapers and polls, so that no number of
/// scrapers can take the descriptors a poll needs. Decided once at start, with the listener:
///
///     connections + poll reserve ≤ soft limit
///     poll reserve = descriptors open at start + 2 × targets + 64
///
/// Open at start is what the process holds before the listener opens: stdio, the store's database,
/// WAL and lock files, the journal and notify sockets, and each event loop's epoll, eventfd and
/// timerfd. A target needs at most two connections to its vendor at once: its polls never
/// overlap and an adapter sends one request at a time, plus one pooled connection being replaced.
/// The 64 cover what comes and goes: a reload reading its files, the accept of a connection that
/// is about to evict another.
///
/// A cap larger than the limit allows is lowered to fit (and logged); below
/// `minimumConnections` left for scrapers the daemon refuses to start, since a limit that small
/// is a mistake in the unit file, not a plan.
public struct FileDescriptorBudget: Sendable, Equatable {
    public static let minimumConnections = 16
    public static let descriptorsPerTarget = 2
    public static let slack = 64

    public var softLimit: Int
    public var pollReserve: Int
    /// `--web.max-connections` as given.
    public var requestedConnections: Int
    /// The cap the server runs with.
    public var connections: Int

    public var isLowered: Bool { connections < requestedConnections }

    public static func plan(softLimit: Int, openAtStart: Int, targets: Int, requestedConnections: Int) throws(DaemonError) -> FileDescriptorBudget {
        let reserve = openAtStart + descriptorsPerTarget * targets + slack
        let available = softLimit - reserve
        guard available >= minimumConnections else {
            throw DaemonError.fileLimit(soft: softLimit, pollReserve: reserve, minimum: minimumConnections)
        }
        return FileDescriptorBudget(softLimit: softLimit, pollReserve: reserve, requestedConnections: requestedConnections,
                                    connections: min(requestedConnections, available))
    }

    /// The budget of this process now: its soft limit and what it holds open.
    public static func plan(targets: Int, requestedConnections: Int) throws(DaemonError) -> FileDescriptorBudget {
        try plan(softLimit: FileDescriptorLimit.soft() ?? Int.max, openAtStart: openDescriptors(),
                 targets: targets, requestedConnections: requestedConnections)
    }

    /// Entries of /proc/self/fd, less the one listing them; 0 where there is no /proc.
    public static func openDescriptors() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1
        return max(0, entries - 1)
    }
}
