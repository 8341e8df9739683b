#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Exposition

/// Hands the kernel back the pages of the daemon's own binary that start-up touched, once start-up
/// (or a reload) is over.
///
/// Why: the binary is statically linked with the Swift runtime, Foundation and ICU (150 MB), and
/// the kernel maps 64 KiB around every page of code it faults in. Code that runs once (argument
/// parsing, YAML, the config mapping, the runtime's conformance scans) stays resident for the
/// life of the process: 15 MB of the idle daemon's 30 MB were the binary's code. `MADV_PAGEOUT`
/// (Linux 5.4) reclaims them; what steady state runs (a scrape, a poll) is faulted back in on
/// first use, and the rest stays out.
///
/// Only the binary's read-only mappings with no anonymous pages are advised: those pages are
/// exact copies of the file, so the advice can never change what the program reads. Relocated
/// data (RELRO, `.data`) is anonymous and hot; on a host with swap it would be written out, so it
/// is left alone. Pages that another process maps too (a second shard on the same binary) are
/// skipped by the kernel, since reclaiming them would not free them.
public enum ProgramImagePages {
    /// What one release did: the binary's resident bytes before and after, and how much was advised.
    public struct Release: Sendable, Equatable {
        public var residentBefore: Int
        public var residentAfter: Int
        public var advisedBytes: Int
    }

    /// One mapping of `/proc/self/smaps`, reduced to what the choice needs.
    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var permissions: Substring
        var path: Substring
        var residentBytes: Int
        var anonymousBytes: Int
    }

    /// Advises every clean read-only mapping of the running binary. Nil where there is no `/proc`
    /// or no readable link to the executable; a kernel without `MADV_PAGEOUT` advises nothing.
    public static func release() -> Release? {
        guard let image = executablePath(), let before = ProcessStats.readProcFile("/proc/self/smaps") else {
            return nil
        }
        let mappings = parse(smaps: before)
        var advised = 0
        for mapping in reclaimable(mappings, image: image) {
            let length = Int(mapping.end - mapping.start)
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(address, length, MADV_PAGEOUT) == 0 { advised += length }
        }
        let after = ProcessStats.readProcFile("/proc/self/smaps").map(parse(smaps:)) ?? mappings
        return Release(residentBefore: resident(of: image, in: mappings), residentAfter: resident(of: image, in: after),
                       advisedBytes: advised)
    }

    /// The mappings of `image` that hold only file pages: not writable, no anonymous bytes.
    static func reclaimable(_ mappings: [Mapping], image: Substring) -> [Mapping] {
        mappings.filter { $0.path == image && !$0.permissions.contains("w") && $0.anonymousBytes == 0 }
    }

    static func resident(of image: Substring, in mappings: [Mapping]) -> Int {
        mappings.filter { $0.path == image }.reduce(0) { $0 + $1.residentBytes }
    }

    /// `/proc/self/smaps`: a header line per mapping (`start-end perms offset dev inode path`),
    /// then `Key: value kB` lines. A path may contain spaces; one replaced on disk since it was
    /// mapped ends in " (deleted)", and the executable's link says the same.
    static func parse(smaps text: String) -> [Mapping] {
        var mappings: [Mapping] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let header = header(line) {
                mappings.append(header)
            } else if !mappings.isEmpty, let (key, bytes) = field(line) {
                switch key {
                case "Rss": mappings[mappings.count - 1].residentBytes = bytes
                case "Anonymous": mappings[mappings.count - 1].anonymousBytes = bytes
                default: break
                }
            }
        }
        return mappings
    }

    private static func header(_ line: Substring) -> Mapping? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5, fields[1].count == 4,
              let dash = fields[0].firstIndex(of: "-"),
              let start = UInt(fields[0][..<dash], radix: 16),
              let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16)
        else { return nil }
        let path = fields.count == 6 ? fields[5].drop { $0 == " " } : ""
        return Mapping(start: start, end: end, permissions: fields[1], path: path, residentBytes: 0, anonymousBytes: 0)
    }

    private static func field(_ line: Substring) -> (Substring, Int)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let value = line[line.index(after: colon)...].split(separator: " ")
        guard value.count == 2, value[1] == "kB", let kilobytes = Int(value[0]) else { return nil }
        return (line[..<colon], kilobytes * 1024)
    }

    private static func executablePath() -> Substring? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return Substring(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
