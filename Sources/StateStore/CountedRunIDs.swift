/// The ids of one job's counted runs that are still remembered, oldest first, each with the time
/// it was counted by: at most `limit`, the oldest dropped when a new one comes.
///
/// Why its own type and not a `Set` beside an `Array`: a job that runs for months fills this to
/// its limit, and it then stays full for good. As a set of 128 strings (256 buckets of 16 bytes)
/// plus an array of (id, time) pairs that had doubled to 256 slots of 32 bytes, it held 12 KiB
/// per job before the ids' own bytes: 12 MiB at 1,000 jobs, 120 MiB at 10,000, the long-run
/// test's RSS climbing until day 1. Here it is one buffer of `limit` slots of 24 bytes (3 KiB),
/// written in place once full. Lookups are a scan of at most `limit` ids; a job's ids differ
/// early (a counter, a GUID), so each comparison ends at the first bytes.
struct CountedRunIDs {
    private struct Slot {
        var id: String
        /// `.nan` for a run with no time.
        var time: Double
    }

    let limit: Int
    /// In arrival order from `oldest` on, wrapping around once the buffer holds `limit` slots.
    private var slots: [Slot] = []
    private var oldest = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var count: Int { slots.count }

    func contains(_ id: String) -> Bool {
        slots.contains { $0.id == id }
    }

    /// Remembers `id`; returns the one it replaced once full (the oldest), with its time.
    mutating func append(_ id: String, time: Double?) -> (id: String, time: Double?)? {
        let slot = Slot(id: id, time: time ?? .nan)
        guard slots.count == limit else {
            slots.append(slot)
            return nil
        }
        let replaced = slots[oldest]
        slots[oldest] = slot
        oldest = (oldest + 1) % limit
        return (replaced.id, replaced.time.isNaN ? nil : replaced.time)
    }

    /// Oldest first.
    var inOrder: [(id: String, time: Double?)] {
        (slots[oldest...] + slots[..<oldest]).map { ($0.id, $0.time.isNaN ? nil : $0.time) }
    }
}
