#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a directory cannot be written, in the system's words, found by trying: SQLite reports a
/// failed write to its WAL as "disk I/O error" and by then the errno is gone, but an operator
/// needs to know whether the disk is full, read-only or failing.
enum WriteProbe {
    /// Creates, writes, syncs and removes a one-byte file in `directory`; nil when all of that works.
    static func failure(in directory: String) -> String? {
        let path = directory + "/.write-probe"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return InstanceLock.systemMessage(errno) }
        defer {
            close(descriptor)
            unlink(path)
        }
        let byte: [UInt8] = [0]
        guard byte.withUnsafeBytes({ write(descriptor, $0.baseAddress, 1) }) == 1 else { return InstanceLock.systemMessage(errno) }
        guard fsync(descriptor) == 0 else { return InstanceLock.systemMessage(errno) }
        return nil
    }
}
