import NIOConcurrencyHelpers
import NIOCore

/// Every open connection of one server and since when it has been idle, so that a connection
/// admitted at the cap can take the place of an idle one. Connections live on several event
/// loops, hence the lock; it is held for a dictionary update, or at the cap for one scan of at
/// most `capacity` entries.
///
/// Which idle connection goes: first those that have never had a request answered, oldest first;
/// then keep-alive ones, idle longest first. Oldest-idle alone would pick Prometheus' own
/// keep-alive connection during a flood: between two scrapes it is idle for a whole interval,
/// longer than any of the flood's fresh connections, and every scrape would then queue for a new
/// connection behind the flood's connects.
final class ConnectionRegistry: Sendable {
    enum Admission {
        /// `evicted`, if any, was idle longest and must be closed to make room.
        case admitted(id: UInt64, evicted: (any Channel)?)
        /// At the cap with no idle connection to close (evicted ones still closing count as busy).
        case refused
    }

    private struct Entry {
        let channel: any Channel
        /// nil while a request is in progress (its head has arrived and its answer is not sent).
        var idleSince: NIODeadline?
        /// Set once a response has been sent: a keep-alive connection, evicted after fresh ones.
        var hasAnswered = false
        /// Evicted and not yet closed. It still counts towards the cap, because its descriptor
        /// is still open: under load a close waits its turn on a busy event loop, and counting
        /// only the connections not yet evicted let 940 descriptors stand behind a cap of 512.
        var isClosing = false
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Connections open now, evicted ones included until their close completes.
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Registers a just-accepted connection as idle since `now`.
    func admit(_ channel: any Channel, now: NIODeadline) -> Admission {
        state.withLockedValue { state in
            var evicted: (any Channel)?
            if state.entries.count >= capacity {
                // Ties (a burst accepted within one clock tick) go to the lowest id, the first accepted.
                let oldest = state.entries.lazy
                    .filter { !$0.value.isClosing }
                    .compactMap { id, entry in entry.idleSince.map { (id: id, kept: entry.hasAnswered ? 1 : 0, since: $0) } }
                    .min { ($0.kept, $0.since, $0.id) < ($1.kept, $1.since, $1.id) }
                guard let oldest, var entry = state.entries[oldest.id] else { return .refused }
                entry.isClosing = true
                entry.idleSince = nil
                state.entries[oldest.id] = entry
                evicted = entry.channel
            }
            state.nextID += 1
            state.entries[state.nextID] = Entry(channel: channel, idleSince: now)
            return .admitted(id: state.nextID, evicted: evicted)
        }
    }

    func markBusy(_ id: UInt64) {
        state.withLockedValue { $0.entries[id]?.idleSince = nil }
    }

    /// A response has ended: idle again, and from now on a keep-alive connection.
    func markIdle(_ id: UInt64, since: NIODeadline) {
        state.withLockedValue { state in
            guard let entry = state.entries[id], !entry.isClosing else { return }
            state.entries[id]?.idleSince = since
            state.entries[id]?.hasAnswered = true
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
