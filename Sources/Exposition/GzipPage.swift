import CZlib
import NIOCore

/// A metrics page as one gzip member, built from pieces compressed apart so that a scrape only
/// compresses what changed since the last one, and the fresh tail (the `process_*` families).
/// The same pieces, inflated one by one as they are sent (`pieces`), are the plain page.
///
/// `compressed` is the gzip header and every piece's deflate blocks (`GzipPiece`, each ended with
/// `Z_FULL_FLUSH`), to be sent as it is; `body(tail:)` is the tail deflated by a fresh stream
/// and finished, then the trailer with the CRC of the whole page, combined piece by piece with
/// `crc32_combine` — the way pigz joins blocks compressed apart. The result is a single gzip
/// member, so every reader takes it: Go's `compress/gzip` (Prometheus), Python's `gzip`,
/// `curl --compressed`.
public struct GzipPage: Sendable {
    /// Header and the pieces' deflate blocks, copied into one buffer when the page is made (a
    /// copy of the compressed page, 1 MiB at 10,000 bench jobs). Sent as the pieces, a scrape was
    /// about 800 writes of a KiB or two at 10,000 jobs, each one trip through NIO's pipeline:
    /// `perf` put retain/release and `NIOAny` casts of those writes at the top of a gzip scrape's
    /// profile.
    public let compressed: ByteBuffer
    /// The pieces in page order, empty ones left out.
    public let pieces: [GzipPiece]
    private let crc: UInt
    private let length: Int

    private static let header = ByteBuffer(bytes: [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])

    public init(pieces: [GzipPiece]) {
        var parts = [Self.header]
        parts.reserveCapacity(pieces.count + 1)
        var crc: UInt = 0
        var length = 0
        let pieces = pieces.filter { $0.length > 0 }
        for piece in pieces {
            parts.append(piece.deflated)
            crc = crc32_combine(crc, piece.crc, off_t(piece.length))
            length += piece.length
        }
        compressed = ExactBuffer.joining(parts)
        self.pieces = pieces
        self.crc = crc
        self.length = length
    }

    /// The rest of the member for this scrape: `tail` deflated and finished, then the trailer.
    /// Sent after `compressed`; nil only when zlib cannot allocate its state.
    public func body(tail: [UInt8]) -> [UInt8]? {
        guard let deflated = GzipPiece.deflate([ByteBuffer(bytes: tail)], ending: Z_FINISH) else { return nil }
        var out = deflated.bytes
        let combined = crc32_combine(crc, deflated.crc, off_t(tail.count))
        // ISIZE is the length modulo 2^32 (RFC 1952).
        let total = UInt32(truncatingIfNeeded: length + tail.count)
        for value in [UInt32(truncatingIfNeeded: combined), total] {
            out.append(contentsOf: [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)])
        }
        return out
    }
}
