import CZlib
import NIOCore

/// One contiguous run of page bytes as raw deflate blocks ending in `Z_FULL_FLUSH`, with its CRC-32
/// and length: the unit `GzipPage` joins into one gzip member, and the form in which the kept
/// page holds its bytes between scrapes. A plain scrape sends `plain` where the page could afford
/// to keep it, and inflates the piece as it sends it otherwise (`inflated()`).
///
/// The flush ends the blocks on a byte boundary and leaves no back-reference into what follows,
/// so pieces compressed apart concatenate into one valid deflate stream in any order the page
/// needs (pigz joins its blocks the same way), and each inflates on its own. The price is that a
/// piece compresses with no history of its own: a piece of a few hundred bytes barely shrinks,
/// and each ends in a 5-byte empty stored block.
public struct GzipPiece: Sendable {
    /// Level 1: a page is mostly repeated label sets, where the fastest level already gets most
    /// of the gain (about 20:1 on a bench page), and pieces are compressed again whenever their
    /// target changes.
    public static let level: Int32 = 1

    public let deflated: ByteBuffer
    public let crc: UInt
    public let length: Int
    /// The bytes before compression, when the piece was asked to keep them (`keepingPlain`).
    public let plain: ByteBuffer?

    /// `parts` compressed as one piece, without joining them first; with `keepingPlain`, also
    /// joined into `plain`. Nil only when zlib cannot allocate its state.
    public init?(_ parts: some BidirectionalCollection<ByteBuffer>, keepingPlain: Bool = false) {
        guard let (output, crc) = Self.deflate(parts, ending: Z_FULL_FLUSH) else { return nil }
        deflated = output.withUnsafeBytes(ExactBuffer.copying)
        self.crc = crc
        length = parts.reduce(0) { $0 + $1.readableBytes }
        // Copied into a buffer of its own: a slice of a target's buffer would keep all of it alive.
        plain = keepingPlain ? ExactBuffer.joining(parts, in: .ownMapping) : nil
    }

    /// The piece's bytes as they were before compression: `plain` if kept, else inflated; nil
    /// only when zlib cannot allocate its state (or the piece is damaged, which a piece this
    /// process made never is).
    public func inflated() -> ByteBuffer? {
        if let plain { return plain }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        let produced = deflated.withUnsafeReadableBytes { input in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: UInt8.self).baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(length)
                let status = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                guard status == Z_OK || status == Z_BUF_ERROR || status == Z_STREAM_END else { return 0 }
                return length - Int(stream.avail_out)
            }
        }
        guard produced == length, stream.avail_in == 0 else { return nil }
        return buffer
    }

    /// Raw deflate (no header) of `parts` as one stream, without joining them, ended with `flush`
    /// (`Z_FULL_FLUSH` for a piece, `Z_FINISH` for a page's tail), and their CRC-32. Nil only
    /// when zlib cannot allocate its state.
    static func deflate(_ parts: some BidirectionalCollection<ByteBuffer>, ending flush: Int32) -> (bytes: [UInt8], crc: UInt)? {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let total = parts.reduce(0) { $0 + $1.readableBytes }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(total))) + 64)
        var crc: UInt = 0
        var ok = true
        output.withUnsafeMutableBufferPointer { target in
            stream.next_out = target.baseAddress
            stream.avail_out = UInt32(target.count)
            func feed(_ bytes: UnsafeRawBufferPointer, flush: Int32) {
                crc = Self.crc32(bytes, continuing: crc)
                // zlib never writes through next_in; its C signature just lacks the const.
                stream.next_in = UnsafeMutablePointer(mutating: bytes.assumingMemoryBound(to: UInt8.self).baseAddress)
                stream.avail_in = UInt32(bytes.count)
                let status = CZlib.deflate(&stream, flush)
                // Z_BUF_ERROR: nothing to do (an empty part); not an error, except when finishing.
                let done = flush == Z_FINISH ? status == Z_STREAM_END : status == Z_OK || status == Z_BUF_ERROR
                ok = ok && done && stream.avail_in == 0
            }
            for part in parts.dropLast() {
                part.withUnsafeReadableBytes { feed($0, flush: Z_NO_FLUSH) }
            }
            (parts.last ?? ByteBuffer()).withUnsafeReadableBytes { feed($0, flush: flush) }
            // Output space used up means the flush may not be complete.
            ok = ok && stream.avail_out > 0
        }
        guard ok else { return nil }
        output.removeLast(Int(stream.avail_out))
        return (output, crc)
    }

    /// zlib's CRC of `bytes` after `crc`. No bytes leave `crc` as it is: zlib would answer a null
    /// pointer (an empty buffer's) with its initial value instead.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt = 0) -> UInt {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count))
    }
}
