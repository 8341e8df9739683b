import Foundation

/// The seed of a fuzz test: `FUZZ_SEED` when set (decimal or `0x` hex), to replay a failure,
/// otherwise a fresh random one, so every CI run explores new inputs. Either way it is printed,
/// and the tests put it in their failure messages, so a failure can be replayed with
/// `FUZZ_SEED=<seed>`.
public enum FuzzSeed {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "FUZZ_SEED=\(text) is not a decimal or 0x-hex UInt64" }
    }

    public static func resolve(for test: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> UInt64 {
        let seed: UInt64
        if let text = environment["FUZZ_SEED"] {
            let parsed = text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            guard let parsed else { throw Invalid(text: text) }
            seed = parsed
        } else {
            seed = UInt64.random(in: 0...UInt64.max)
        }
        print("fuzz seed for \(test): \(seed) (replay: FUZZ_SEED=\(seed))")
        return seed
    }
}
