import NIOCore
import NIOEmbedded
import Testing
@testable import WebServer

/// Whom the connection cap closes to make room. The registry alone, with channels that are never
/// connected; each evicted connection is removed as its completed close would remove it.
@Suite("The connection registry's choice at the cap")
struct ConnectionRegistryTests {
    /// A registry and the connections it was given, by name.
    final class Connections {
        let registry: ConnectionRegistry
        private(set) var ids: [String: UInt64] = [:]
        private(set) var names: [ObjectIdentifier: String] = [:]

        init(capacity: Int, _ names: [String]) throws {
            registry = ConnectionRegistry(capacity: capacity)
            for name in names {
                #expect(try admit(name) == nil, "\(name) evicted a connection below the cap")
            }
        }

        /// Admits `name`; the name of the connection it displaced, if any. Throws if refused.
        @discardableResult
        func admit(_ name: String) throws -> String? {
            let channel = EmbeddedChannel()
            guard case .admitted(let id, let evicted) = registry.admit(channel) else { throw Refused(name: name) }
            ids[name] = id
            names[ObjectIdentifier(channel)] = name
            guard let evicted else { return nil }
            return names[ObjectIdentifier(evicted as AnyObject)] ?? "?"
        }

        /// A request arrives on `name` and is answered: from then on a keep-alive connection.
        func answer(_ name: String) {
            guard let id = ids[name] else { return }
            registry.markBusy(id)
            registry.markIdle(id)
        }

        func closed(_ name: String) {
            if let id = ids[name] { registry.remove(id) }
        }

        /// Admits each newcomer in turn, answering each at once if `answering`; the names evicted.
        func evictions(by newcomers: [String], answering: Bool = false) throws -> [String?] {
            try newcomers.map { newcomer in
                let evicted = try admit(newcomer)
                if let evicted { closed(evicted) }
                if answering { answer(newcomer) }
                return evicted
            }
        }
    }

    struct Refused: Error {
        let name: String
    }

    @Test("at the cap, a connection never answered goes before a keep-alive one, the oldest first")
    func neverAnsweredFirst() throws {
        let open = try Connections(capacity: 3, ["a", "b", "c"])
        open.answer("a")
        // b and c never answered go first though a has been idle longer; then d, the newcomer
        // that never answered either; only then a.
        #expect(try open.evictions(by: ["d", "e", "f"], answering: false) == ["b", "c", "d"])
        open.answer("e")
        open.answer("f")
        #expect(try open.evictions(by: ["g"], answering: true) == ["a"])
    }

    @Test("keep-alive connections go idle longest first")
    func keptIdleLongestFirst() throws {
        let open = try Connections(capacity: 3, ["a", "b", "c"])
        for name in ["b", "c", "a"] { open.answer(name) }
        #expect(try open.evictions(by: ["d", "e", "f"], answering: true) == ["b", "c", "a"])
    }

    @Test("a connection answering again goes to the back of the keep-alive queue")
    func answeringAgainRequeues() throws {
        let open = try Connections(capacity: 3, ["a", "b", "c"])
        for name in ["a", "b", "c", "a"] { open.answer(name) }
        #expect(try open.evictions(by: ["d", "e", "f"], answering: true) == ["b", "c", "a"])
    }

    @Test("a connection with a request in progress is never evicted; with every one busy the newcomer is refused")
    func busyConnectionsStay() throws {
        let open = try Connections(capacity: 2, ["a", "b"])
        open.registry.markBusy(try #require(open.ids["a"]))
        #expect(try open.admit("c") == "b")
        open.closed("b")
        open.registry.markBusy(try #require(open.ids["c"]))
        #expect(throws: Refused.self) { try open.admit("d") }
    }

    @Test("an evicted connection still closing counts towards the cap and is not evicted twice")
    func closingCountsAndIsNotEvictedAgain() throws {
        let open = try Connections(capacity: 2, ["a", "b"])
        #expect(try open.admit("c") == "a")
        // a's close has not completed: three open, and the next newcomer takes b, not a again.
        #expect(open.registry.count == 3)
        #expect(try open.admit("d") == "b")
    }

    @Test("a keep-alive connection answering 100,000 requests leaves the idle queues bounded")
    func manyAnswersOnOneConnection() throws {
        let open = try Connections(capacity: 8, ["a"])
        for _ in 0..<100_000 { open.answer("a") }
        #expect(open.registry.queuedTurns <= 2 * open.registry.count + 64 + 1,
                "\(open.registry.queuedTurns) turns queued for \(open.registry.count) connection")
    }
}
