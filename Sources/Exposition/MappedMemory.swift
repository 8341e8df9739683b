#if canImport(Glibc)
import Glibc
#endif
@_spi(CustomByteBufferAllocator) import NIOCore

/// Memory for `ExactBuffer.Memory.ownMapping`: each allocation a private anonymous mapping, its size
/// kept in the 16 bytes before the address handed out (NIO's `deallocate` passes the address
/// only, and `munmap` needs the length).
enum MappedMemory {
    private static let header = 16

    static let allocator = ByteBufferAllocator(
        allocate: { MappedMemory.allocate(Int($0)) },
        reallocate: { old, oldSize, newSize in
            guard let new = MappedMemory.allocate(Int(newSize)) else { return nil }
            if let old {
                new.copyMemory(from: old, byteCount: Int(min(oldSize, newSize)))
                MappedMemory.deallocate(old)
            }
            return new
        },
        deallocate: { MappedMemory.deallocate($0) },
        copy: { $0.copyMemory(from: $1, byteCount: Int($2)) }
    )

    /// Nil when the kernel refuses the mapping (the caller falls back to NIO's own buffer).
    static func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
        let length = count + header
        guard let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else { return nil }
        base.storeBytes(of: length, as: Int.self)
        return base + header
        #else
        return malloc(count)
        #endif
    }

    static func deallocate(_ memory: UnsafeMutableRawPointer) {
        #if canImport(Glibc)
        let base = memory - header
        munmap(base, base.load(as: Int.self))
        #else
        free(memory)
        #endif
    }
}
