import CZlib

/// A metrics page as one gzip member, built in two parts so the large part is compressed once
/// per page and the small fresh part once per scrape.
///
/// `GzipPage(page)` holds the gzip header and the page's raw deflate blocks, ended with
/// `Z_FULL_FLUSH` (byte-aligned, no back-reference can cross it), plus the page's CRC-32 and
/// length. `body(tail:)` appends the tail (the `process_*` families) deflated by a fresh stream
/// and finished, then the trailer with the CRC combined by `crc32_combine` — the way pigz joins
/// blocks compressed apart. The result is a single gzip member, so every reader takes it: Go's
/// `compress/gzip` (Prometheus), Python's `gzip`, `curl --compressed`.
public struct GzipPage: Sendable {
    /// Level 1: a page is mostly repeated label sets, where the fastest level already gets most
    /// of the gain (about 10:1), and a 10,000-job page is re-compressed whenever the store changes.
    public static let level: Int32 = 1

    /// Header and the page's deflate blocks, ready to send as they are.
    public let prefix: [UInt8]
    private let crc: UInt
    private let length: Int

    private static let header: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]

    /// Nil only when zlib cannot allocate its state.
    public init?(_ page: some Collection<UInt8>) {
        let bytes = Array(page)
        guard let blocks = Self.deflate(bytes, flush: Z_FULL_FLUSH) else { return nil }
        prefix = Self.header + blocks
        crc = Self.crc32(of: bytes)
        length = bytes.count
    }

    /// The rest of the member for this scrape: `tail` deflated and finished, then the trailer.
    /// Sent after `prefix`; nil only when zlib cannot allocate its state.
    public func body(tail: [UInt8]) -> [UInt8]? {
        guard var out = Self.deflate(tail, flush: Z_FINISH) else { return nil }
        let combined = crc32_combine(crc, Self.crc32(of: tail), off_t(tail.count))
        let total = UInt32(truncatingIfNeeded: length + tail.count)
        for value in [UInt32(truncatingIfNeeded: combined), total] {
            out.append(contentsOf: [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)])
        }
        return out
    }

    /// Raw deflate (no header) of `input`, ended with `flush`.
    static func deflate(_ input: [UInt8], flush: Int32) -> [UInt8]? {
        var stream = z_stream()
        let initialised = deflateInit2_(
            &stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return CZlib.deflate(&stream, flush)
            }
        }
        let expected = flush == Z_FINISH ? Z_STREAM_END : Z_OK
        guard status == expected, stream.avail_in == 0 else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    static func crc32(of bytes: [UInt8]) -> UInt {
        bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, UInt32($0.count)) }
    }
}
