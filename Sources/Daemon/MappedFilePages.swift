#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Exposition

/// Hands the kernel back the clean pages of the files mapped into the daemon (its own binary and
/// its shared libraries) once start-up, or a reload, is over.
///
/// Why: the binary is statically linked with the Swift runtime, Foundation and ICU (150 MB), and
/// the kernel maps 64 KiB around every page of code it faults in. Code that runs once (argument
/// parsing, YAML, the config mapping, the runtime's conformance scans) stays resident for the
/// life of the process: 15 MB of the idle daemon's 30 MB were the binary's code, and 4 MB more
/// were libraries that start-up alone used (SQLite opening the store, libxml2 and ICU loading).
/// `MADV_PAGEOUT` (Linux 5.4) reclaims them; what steady state runs (a scrape, a poll) is
/// faulted back in on first use, and the rest stays out.
///
/// Only mappings of a file that are not writable and hold no anonymous page are advised: those
/// pages are exact copies of the file, so the advice can never change what the program reads.
/// Relocated data (RELRO, `.data`) is anonymous and hot; on a host with swap it would be written
/// out, so it is left alone. Pages another process maps too (libc, a second shard on the same
/// binary) are skipped by the kernel, since reclaiming them would not free them.
public enum MappedFilePages {
    /// What one release did: the resident bytes of file mappings before and after, and how much
    /// was advised.
    public struct Release: Sendable {
        public var residentBefore: Int
        public var residentAfter: Int
        public var advisedBytes: Int
    }

    /// One mapping of `/proc/self/smaps`, reduced to what the choice needs.
    struct Mapping {
        var start: UInt
        var end: UInt
        var permissions: Substring
        var path: Substring
        var residentBytes: Int
        var anonymousBytes: Int

        /// Backed by a file (`[heap]`, `[stack]`, `[vdso]` and anonymous memory are not).
        var isFile: Bool { path.hasPrefix("/") }
    }

    /// Advises every clean read-only file mapping. Nil where there is no `/proc`; a kernel
    /// without `MADV_PAGEOUT` advises nothing.
    public static func release() -> Release? {
        guard let before = ProcessStats.readProcFile("/proc/self/smaps") else { return nil }
        let mappings = parse(smaps: before)
        var advised = 0
        for mapping in reclaimable(mappings) {
            let length = Int(mapping.end - mapping.start)
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(address, length, MADV_PAGEOUT) == 0 { advised += length }
        }
        let after = ProcessStats.readProcFile("/proc/self/smaps").map(parse(smaps:)) ?? mappings
        return Release(residentBefore: residentInFiles(mappings), residentAfter: residentInFiles(after), advisedBytes: advised)
    }

    /// The file mappings that hold only file pages: not writable, no anonymous bytes.
    static func reclaimable(_ mappings: [Mapping]) -> [Mapping] {
        mappings.filter { $0.isFile && !$0.permissions.contains("w") && $0.anonymousBytes == 0 }
    }

    static func residentInFiles(_ mappings: [Mapping]) -> Int {
        mappings.filter(\.isFile).reduce(0) { $0 + $1.residentBytes }
    }

    /// `/proc/self/smaps`: a header line per mapping (`start-end perms offset dev inode path`),
    /// then `Key: value kB` lines. A path may contain spaces; one replaced on disk since it was
    /// mapped ends in " (deleted)".
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
}
