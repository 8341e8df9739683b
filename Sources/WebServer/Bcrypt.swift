import CCrypt
import Glibc

/// bcrypt through the system's libxcrypt (`crypt_rn`), the same hashes `htpasswd -B` and the
/// Prometheus exporter-toolkit use: `$2y$`, `$2b$` and `$2a$`.
///
/// Verification is deliberately slow (the cost factor: 10 is about 50–100 ms); callers cache
/// results and keep it off event loops.
public enum Bcrypt {
    /// `crypt_rn`'s work area; its size is part of the libxcrypt ABI (`sizeof(struct crypt_data)`).
    private static let workAreaSize = MemoryLayout<crypt_data>.size

    /// True when `hash` has the shape of a bcrypt hash: prefix, two-digit cost 04–31, then 53
    /// characters of salt and digest. Says nothing about which password it hashes.
    public static func isHash(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost) else { return false }
        return bytes[7...].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
            default: false
            }
        }
    }

    /// True when `password` hashes to `hash`. The comparison of the two hashes takes the same
    /// time wherever they differ. A password containing a NUL byte never matches: C would see
    /// only the part before it.
    public static func verify(password: String, hash: String) -> Bool {
        guard isHash(hash), !password.utf8.contains(0) else { return false }
        guard let computed = crypt(password, setting: hash) else { return false }
        return constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    /// A new hash of `password` with a random salt, `$2b$` with `cost`; nil when libxcrypt
    /// refuses (a cost outside 4...31). For tests and for operators making a web config.
    public static func hash(password: String, cost: Int = 10) -> String? {
        guard (4...31).contains(cost), !password.utf8.contains(0) else { return nil }
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random-bytes argument asks libxcrypt to take them from the OS.
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
        let length = setting.firstIndex(of: 0) ?? setting.count
        return crypt(password, setting: String(decoding: setting[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Equal length and equal bytes, looking at every byte whatever the first difference.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    private static func crypt(_ password: String, setting: String) -> String? {
        let workArea = UnsafeMutableRawPointer.allocate(byteCount: workAreaSize, alignment: 16)
        defer {
            // The work area held the password and intermediate state.
            memset(workArea, 0, workAreaSize)
            workArea.deallocate()
        }
        memset(workArea, 0, workAreaSize)
        guard let output = crypt_rn(password, setting, workArea, Int32(workAreaSize)) else { return nil }
        return String(cString: output)
    }
}
