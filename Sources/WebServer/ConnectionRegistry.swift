import NIOConcurrencyHelpers
import NIOCore

/// Every open connection of one server and the order in which its idle ones became idle, so that
/// a connection admitted at the cap can take the place of an idle one. Connections live on several
/// event loops, hence the lock; it is held for a dictionary update and, at the cap, for taking the
/// first idle connection off a queue: constant time, amortised, however many are open.
///
/// Which idle connection goes: first those that have never had a request answered, oldest first;
/// then keep-alive ones, idle longest first. Oldest-idle alone would pick Prometheus' own
/// keep-alive connection during a flood: between two scrapes it is idle for a whole interval,
/// longer than any of the flood's fresh connections, and every scrape would then queue for a new
/// connection behind the flood's connects.
///
/// "Oldest" is the order in which connections took the lock to become idle (admitted, or their
/// answer ended), not a clock reading. The registry used to scan every entry for the smallest
/// idle time at each admission at the cap: 36 % of the daemon's CPU in the listener attack test
/// (its debug build, 10,200 reconnecting connections against a cap of 512), time the accept loop
/// then lacked, and new connections waited for a SYN retransmission behind a full accept queue.
final class ConnectionRegistry: Sendable {
    enum Admission {
        /// `evicted`, if any, was idle longest and must be closed to make room.
        case admitted(id: UInt64, evicted: (any Channel)?)
        /// At the cap with no idle connection to close (evicted ones still closing count as busy).
        case refused
    }

    private struct Entry {
        let channel: any Channel
        /// The turn this connection holds in an idle queue; nil while a request is in progress
        /// (its head has arrived and its answer is not sent) and once it is evicted.
        var idleTurn: UInt64?
        /// Set once a response has been sent: a keep-alive connection, evicted after fresh ones.
        var hasAnswered = false
        /// Evicted and not yet closed. It still counts towards the cap, because its descriptor
        /// is still open: under load a close waits its turn on a busy event loop, and counting
        /// only the connections not yet evicted let 940 descriptors stand behind a cap of 512.
        var isClosing = false
    }

    /// A place in an idle queue. It is stale, and skipped, once its connection has left the queue
    /// some other way: busy, idle again (a later turn), evicted or closed.
    private struct Turn {
        let id: UInt64
        let turn: UInt64
    }

    private struct State {
        var nextID: UInt64 = 0
        var nextTurn: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        /// Idle connections never answered, in the order they were admitted.
        var fresh = CircularBuffer<Turn>()
        /// Idle keep-alive connections, in the order their last answer ended.
        var kept = CircularBuffer<Turn>()

        mutating func makeIdle(_ id: UInt64, answered: Bool) {
            nextTurn += 1
            entries[id]?.idleTurn = nextTurn
            if answered {
                kept.append(Turn(id: id, turn: nextTurn))
                kept = compacted(kept)
            } else {
                fresh.append(Turn(id: id, turn: nextTurn))
                fresh = compacted(fresh)
            }
        }

        /// Stale turns are dropped when they outnumber the open connections: a keep-alive
        /// connection adds one turn per answer, and without eviction nothing else takes them off.
        /// Each turn is copied at most once per doubling, so appending stays constant time.
        func compacted(_ queue: CircularBuffer<Turn>) -> CircularBuffer<Turn> {
            guard queue.count > 2 * entries.count + 64 else { return queue }
            return CircularBuffer(queue.lazy.filter { [entries] in Self.isCurrent($0, in: entries) })
        }

        static func isCurrent(_ turn: Turn, in entries: [UInt64: Entry]) -> Bool {
            entries[turn.id]?.idleTurn == turn.turn
        }

        /// The first current turn of `queue`, taken off it with the stale ones before it.
        static func takeFirst(of queue: inout CircularBuffer<Turn>, in entries: [UInt64: Entry]) -> UInt64? {
            while let turn = queue.popFirst() {
                if isCurrent(turn, in: entries) { return turn.id }
            }
            return nil
        }

        mutating func evictOne() -> (any Channel)? {
            guard let id = Self.takeFirst(of: &fresh, in: entries) ?? Self.takeFirst(of: &kept, in: entries), var entry = entries[id] else { return nil }
            entry.isClosing = true
            entry.idleTurn = nil
            entries[id] = entry
            return entry.channel
        }
    }

    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Connections open now, evicted ones included until their close completes.
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Places held in the idle queues, stale ones included: bounded by `compacted`.
    var queuedTurns: Int { state.withLockedValue { $0.fresh.count + $0.kept.count } }

    /// Registers a just-accepted connection as idle and never answered.
    func admit(_ channel: any Channel) -> Admission {
        state.withLockedValue { state in
            var evicted: (any Channel)?
            if state.entries.count >= capacity {
                guard let oldest = state.evictOne() else { return .refused }
                evicted = oldest
            }
            state.nextID += 1
            let id = state.nextID
            state.entries[id] = Entry(channel: channel)
            state.makeIdle(id, answered: false)
            return .admitted(id: id, evicted: evicted)
        }
    }

    /// A request's head has arrived: not evictable until its answer ends.
    func markBusy(_ id: UInt64) {
        state.withLockedValue { $0.entries[id]?.idleTurn = nil }
    }

    /// A response has ended: idle again, and from now on a keep-alive connection.
    func markIdle(_ id: UInt64) {
        state.withLockedValue { state in
            guard let entry = state.entries[id], !entry.isClosing else { return }
            state.entries[id]?.hasAnswered = true
            state.makeIdle(id, answered: true)
        }
    }

    /// At shutdown: closes every connection, served or not.
    func closeAll() {
        for channel in state.withLockedValue({ $0.entries.values.map(\.channel) }) {
            channel.close(promise: nil)
        }
    }

    /// Its close completed.
    func remove(_ id: UInt64) {
        state.withLockedValue { _ = $0.entries.removeValue(forKey: id) }
    }
}
