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
/// NIO takes a buffer it did not allocate only through its `CustomByteBufferAllocator` SPI;
/// the memory comes from `malloc`, as the default allocator's does, so the default allocator's
/// `free` releases it.
enum ExactBuffer {
    /// One buffer holding `parts` one after another.
    static func joining(_ parts: some Collection<ByteBuffer>) -> ByteBuffer {
        make(count: parts.reduce(0) { $0 + $1.readableBytes }) { target in
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

    private static func make(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> ByteBuffer {
        // An empty buffer, or memory the allocator cannot give: NIO's own buffer (which traps on
        // allocation failure, as every other allocation in the process does).
        guard count > 0, let memory = malloc(count) else {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeRepeatingByte(0, count: count)
            buffer.withUnsafeMutableReadableBytes(fill)
            return buffer
        }
        let target = UnsafeMutableRawBufferPointer(start: memory, count: count)
        fill(target)
        return ByteBuffer(takingOwnershipOf: target, allocator: ByteBufferAllocator())
    }
}
