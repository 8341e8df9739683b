import Daemon
import Testing

/// Rendezvous hashing of target names over shards.
@Suite("Shard assignment")
struct ShardAssignmentTests {
    static let names = (1...1_000).map { "nas-\($0 < 10 ? "00" : $0 < 100 ? "0" : "")\($0)" }

    @Test("every target belongs to exactly one of N shards, and the shards get a fair share")
    func exactlyOneOwner() {
        for count in [1, 2, 3, 4, 7] {
            let shards = (0..<count).compactMap { ShardAssignment(index: $0, count: count) }
            var perShard = Array(repeating: 0, count: count)
            for name in Self.names {
                let owners = shards.filter { $0.owns(name) }.map(\.index)
                #expect(owners.count == 1, "\(name) among \(count): \(owners)")
                if let owner = owners.first { perShard[owner] += 1 }
            }
            let fair = Self.names.count / count
            #expect(perShard.allSatisfy { abs($0 - fair) < fair / 5 + 10 }, "\(count) shards: \(perShard)")
        }
    }

    @Test("going from 3 to 4 shards moves about a quarter of the targets, all of them to the new shard")
    func growingMovesOnlyToTheNewShard() {
        var moved = 0
        for name in Self.names {
            let before = ShardAssignment.owner(of: name, among: 3)
            let after = ShardAssignment.owner(of: name, among: 4)
            if before != after {
                moved += 1
                #expect(after == 3, "\(name) moved from \(before) to \(after)")
            }
        }
        #expect((200...300).contains(moved), "moved \(moved) of 1000")
    }

    @Test("index and count are checked: 0 <= index < count")
    func bounds() {
        #expect(ShardAssignment(index: 0, count: 1) != nil)
        #expect(ShardAssignment(index: 2, count: 3) != nil)
        #expect(ShardAssignment(index: 3, count: 3) == nil)
        #expect(ShardAssignment(index: -1, count: 3) == nil)
        #expect(ShardAssignment(index: 0, count: 0) == nil)
        #expect(ShardAssignment.single.owns("anything"))
    }
}
