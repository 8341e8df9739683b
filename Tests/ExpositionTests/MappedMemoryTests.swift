#if canImport(Glibc)
import Glibc
#endif
@testable import Exposition
import NIOCore
import TestSupport
import Testing

/// The plain bytes a page keeps live in mappings of their own (`ExactBuffer.Memory.ownMapping`), so
/// that replacing them gives their pages back to the kernel instead of leaving holes in a malloc
/// arena. What must hold: the bytes are the parts', the buffer behaves as any other `ByteBuffer`
/// when written to, and every mapping is unmapped when its buffer goes.
@Suite("Mapped plain buffers")
struct MappedMemoryTests {
    @Test("a mapped buffer holds the parts one after another, exactly its size, each at the start of a mapping of its own")
    func holdsThePartsInAMappingOfItsOwn() {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Eight buffers below malloc's mmap threshold: a chunk from an arena lands 16 bytes past
        // a page boundary one time in 256, so eight doing so by chance is not a way to pass.
        for size in [1, 100, 4_080, 4_081, 31_000, 40_000, 100_000, 120_000] {
            let parts = Self.parts(totalling: size)
            let buffer = ExactBuffer.joining(parts, in: .ownMapping)
            #expect(buffer.readableBytes == size)
            #expect(buffer.capacity == size, "no room to grow: \(buffer.capacity) for \(size)")
            #expect(ByteComparison.firstDifference(buffer.readableBytesView, parts.flatMap(\.readableBytesView)) == nil)
            let address = buffer.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) }
            #expect((address - 16) % pageSize == 0, "\(size) bytes at \(address): not 16 bytes into a page")
        }
    }

    @Test("written to after it was made, a mapped buffer copies on write and grows like any other, and the original keeps its bytes")
    func copiesAndGrowsThroughItsAllocator() {
        let original = ExactBuffer.joining(Self.parts(totalling: 50_000), in: .ownMapping)
        let before = Array(original.readableBytesView)

        // A write to a shared buffer copies it first (the allocator's `allocate` and `copy`).
        var copy = original
        copy.setInteger(UInt8(0xAB), at: 0)
        #expect(ByteComparison.firstDifference(copy.readableBytesView, [0xAB] + before.dropFirst()) == nil)
        #expect(ByteComparison.firstDifference(original.readableBytesView, before) == nil, "the write went to a copy")

        // Made on its own so that it is the only reference to its storage: it grows in place
        // (the allocator's `reallocate`), where a shared one would be copied first.
        var grown = ExactBuffer.joining(Self.parts(totalling: 50_000), in: .ownMapping)
        grown.writeBytes(Array(repeating: UInt8(0x5A), count: 70_000))
        #expect(ByteComparison.firstDifference(grown.readableBytesView, before + Array(repeating: 0x5A, count: 70_000)) == nil)
        #expect(ByteComparison.firstDifference(original.readableBytesView, before) == nil)
    }

    @Test("every mapping is unmapped when its buffer goes: 64 buffers of 16 MiB made and let go leave the address space as it was")
    func mappingsAreUnmappedWhenTheirBufferGoes() throws {
        let part = ByteBuffer(repeating: 0x42, count: 16 * 1024 * 1024)
        let before = try Self.virtualMemorySize()
        for _ in 0..<64 {
            let buffer = ExactBuffer.joining([part], in: .ownMapping)
            #expect(buffer.readableBytes == part.readableBytes)
        }
        let after = try Self.virtualMemorySize()
        // Kept, they would add 1 GiB; other tests running beside this one move it by far less.
        #expect(after - before < 512 * 1024 * 1024, "VmSize grew by \(after - before) bytes")
    }

    /// Parts of unequal sizes and distinct bytes, so that a part copied to the wrong offset shows.
    static func parts(totalling size: Int) -> [ByteBuffer] {
        var parts: [ByteBuffer] = []
        var left = size
        var next: UInt8 = 1
        while left > 0 {
            let count = min(left, 1 + Int(next) * 97)
            parts.append(ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(next)) }))
            left -= count
            next &+= 1
        }
        return parts
    }

    /// VmSize from /proc/self/status, in bytes.
    static func virtualMemorySize() throws -> Int {
        let status = try #require(ProcessStats.readProcFile("/proc/self/status"))
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmSize:") })
        let kib = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kib * 1024
    }
}
