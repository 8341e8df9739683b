import CZlib
import NIOCore

/// One contiguous run of page bytes as raw deflate blocks ending in `Z_FULL_FLUSH`, with its CRC-32
/// and length: the unit `GzipPage` joins into one gzip member.
///
/// The flush ends the blocks on a byte boundary and leaves no back-reference into what follows,
/// so pieces compressed apart concatenate into one valid deflate stream in any order the page
/// needs (pigz joins its blocks the same way). The price is that a piece compresses with no
/// history of its own: a piece of a few hundred bytes barely shrinks, and each ends in a 5-byte
/// empty stored block.
public struct GzipPiece: Sendable {
    /// Level 1: a page is mostly repeated label sets, where the fastest level already gets most
    /// of the gain (about 10:1), and pieces are compressed again whenever their target changes.
    public static let level: Int32 = 1

    public let deflated: ByteBuffer
    public let crc: UInt
    public let length: Int

    /// Nil only when zlib cannot allocate its state.
    public init?(_ plain: ByteBuffer) {
        guard let deflated = plain.withUnsafeReadableBytes({ Self.deflate($0, flush: Z_FULL_FLUSH) }) else { return nil }
        self.deflated = deflated.withUnsafeBytes(ExactBuffer.copying)
        crc = plain.withUnsafeReadableBytes(Self.crc32)
        length = plain.readableBytes
    }

    /// Raw deflate (no header) of `input`, ended with `flush`.
    static func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) -> [UInt8]? {
        var stream = z_stream()
        let initialised = deflateInit2_(
            &stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
        let status: Int32 = output.withUnsafeMutableBufferPointer { target in
            // zlib never writes through next_in; its C signature just lacks the const.
            stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: UInt8.self).baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = target.baseAddress
            stream.avail_out = UInt32(target.count)
            return CZlib.deflate(&stream, flush)
        }
        let expected = flush == Z_FINISH ? Z_STREAM_END : Z_OK
        guard status == expected, stream.avail_in == 0 else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt {
        CZlib.crc32(0, bytes.assumingMemoryBound(to: UInt8.self).baseAddress, UInt32(bytes.count))
    }
}
