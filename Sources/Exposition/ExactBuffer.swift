#if canImport(Glibc)
import Glibc
#endif
@_spi(CustomByteBufferAllocator) import NIOCore

/// Byte buffers of exactly the size of what they hold, for the bytes the page keeps between
/// scrapes.
///
/// Why: `ByteBuffer` rounds every capacity up to a power of two. The kept page is compressed
/// into pieces of a few KiB (and a small page also keeps its groups of a little over 32 KiB
/// plain), so most of them landed just past a power of two: at 10,000 jobs the 22.6 MiB page
/// took 33 MB of heap (heaptrack, bench scale). A buffer never written to again needs no room
/// to grow.
///
/// NIO takes a buffer it did not allocate only through its `CustomByteBufferAllocator` SPI,
/// with the allocator that frees it: the default one (`free`) for memory from `malloc`,
/// `MappedMemory.allocator` (`munmap`) for a mapping of its own.
enum ExactBuffer {
    /// Where a buffer's bytes live.
    enum Memory {
        /// A malloc arena, as NIO's own buffers.
        case heap
        /// An anonymous mapping of the buffer's own, unmapped when the buffer is freed.
        ///
        /// Why, for the plain bytes a page keeps (`GzipPiece.plain`): they are tens of KiB each,
        /// below the mmap threshold, live for minutes and are replaced one by one as targets
        /// change. In the arenas the holes they leave were taken by the small, short-lived
        /// allocations of polls and scrapes, and pages partly used that way stay resident: at
        /// 100,000 jobs a plain budget of 32 MiB cost 79 MB of RSS over one of 8 MiB (bench run
        /// D). A mapping of its own returns all of its pages when it goes: at 100,000 jobs with
        /// the same budget, 339 MB against 366 MB (one run of each, back to back). The cost is up
        /// to 4 KiB of a page per piece of 32 KiB.
        case ownMapping
    }

    /// One buffer holding `parts` one after another.
    static func joining(_ parts: some Collection<ByteBuffer>, in memory: Memory = .heap) -> ByteBuffer {
        make(count: parts.reduce(0) { $0 + $1.readableBytes }, in: memory) { target in
            var offset = 0
            for part in parts {
                part.withUnsafeReadableBytes { offset += copy($0, into: target, at: offset) }
            }
        }
    }

    /// A buffer holding a copy of `bytes`.
    static func copying(_ bytes: UnsafeRawBufferPointer) -> ByteBuffer {
        make(count: bytes.count) { _ = copy(bytes, into: $0, at: 0) }
    }

    /// Copies `bytes` to `offset` in `target`; returns how many.
    private static func copy(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        if let source = bytes.baseAddress {
            target.baseAddress?.advanced(by: offset).copyMemory(from: source, byteCount: bytes.count)
        }
        return bytes.count
    }

    private static func make(count: Int, in memory: Memory = .heap, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> ByteBuffer {
        let start = count > 0 ? (memory == .heap ? malloc(count) : MappedMemory.allocate(count)) : nil
        // An empty buffer, or memory the system cannot give: NIO's own buffer (which traps on
        // allocation failure, as every other allocation in the process does).
        guard let start else {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeRepeatingByte(0, count: count)
            buffer.withUnsafeMutableReadableBytes(fill)
            return buffer
        }
        let target = UnsafeMutableRawBufferPointer(start: start, count: count)
        fill(target)
        return ByteBuffer(takingOwnershipOf: target, allocator: memory == .heap ? ByteBufferAllocator() : MappedMemory.allocator)
    }
}
