/// Which targets this instance owns when several instances share one config
/// (`--shard.index`, `--shard.count`).
///
/// Rendezvous (highest random weight) hashing of the target `name`: each target goes to the
/// shard whose hash of (shard, name) is highest. Every instance decides alone and they agree
/// without talking; going from N to N+1 shards moves only the targets the new shard wins, about
/// 1/(N+1) of them, and removing a shard moves only its own targets.
public struct ShardAssignment: Sendable, Equatable {
    public var index: Int
    public var count: Int

    /// Not sharded: one instance owns every target.
    public static let single = ShardAssignment(uncheckedIndex: 0, count: 1)

    /// Nil unless `0 <= index < count`.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public func owns(_ target: String) -> Bool {
        count == 1 || Self.owner(of: target, among: count) == index
    }

    /// The shard that owns `target` among `count` shards.
    public static func owner(of target: String, among count: Int) -> Int {
        var best = 0
        var bestWeight: UInt64 = 0
        for shard in 0..<max(1, count) {
            let weight = weight(shard: shard, target: target)
            if shard == 0 || weight > bestWeight {
                best = shard
                bestWeight = weight
            }
        }
        return best
    }

    /// FNV-1a over the shard number and the name's UTF-8 bytes, then the splitmix64 finaliser:
    /// FNV alone mixes the last bytes poorly, and names often differ only at the end
    /// (`nas-01`, `nas-02`). Stable across builds and platforms, unlike `Hasher`.
    static func weight(shard: Int, target: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array("\(shard)/".utf8) + Array(target.utf8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }
}
