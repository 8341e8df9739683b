/// A small deterministic mutator (SplitMix64): byte flips, structural-character insertions,
/// deletions, duplications, truncations and line swaps.
public struct Mutator: Sendable {
    public static let yamlAlphabet = Array(":-#{}[],'\"&*!|>%@ \n\t0123456789$".utf8)
    public static let jsonAlphabet = Array("{}[],:\"\\ \n0123456789.-+eEtrufalsn".utf8)
    public static let xmlAlphabet = Array("<>/=\"'&;! \n?0123456789abcxyz".utf8)
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }

    public mutating func mutate(_ input: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            guard !bytes.isEmpty else { return alphabet }
            let at = below(bytes.count)
            switch below(7) {
            case 0: bytes[at] ^= UInt8(truncatingIfNeeded: 1 << below(8))
            case 1: bytes.insert(alphabet[below(alphabet.count)], at: at)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + below(16)))
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 1 + below(32))], at: below(bytes.count))
            case 4: bytes.removeSubrange(at...)
            case 5: bytes[at] = alphabet[below(alphabet.count)]
            default:
                var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                if lines.count > 1 { lines.swapAt(below(lines.count), below(lines.count)) }
                bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            }
        }
        return bytes
    }
}
