#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<directory>/lock`, held for as long as this value lives.
///
/// SQLite's own locks would let two daemons take turns writing the same database, each with a
/// stale picture in memory; this lock makes the second one fail at start instead. `flock` belongs
/// to the open file description, so a second `InstanceLock` in the same process conflicts too.
/// The kernel drops the lock when the process dies, so a crash never leaves a stale lock behind;
/// the pid written into the file is only there for the error message.
final class InstanceLock {
    let path: String
    private let descriptor: Int32

    init(path: String) throws(StoreError) {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(path: path, message: "cannot open lock file: \(Self.systemMessage(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPID(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK {
                let who = holder.map { "pid \($0)" } ?? "pid unknown"
                throw StoreError(path: path, message: "the state directory is in use by another process (\(who))")
            }
            throw StoreError(path: path, message: "cannot lock: \(Self.systemMessage(code))")
        }
        self.descriptor = descriptor
        // Best effort: the pid only improves the message a second instance prints.
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    /// False once `path` no longer names the file this lock holds (the file or its directory was
    /// deleted or replaced): from then on the lock keeps no one else out.
    var isStillAtPath: Bool {
        var held = stat()
        var current = stat()
        guard fstat(descriptor, &held) == 0, stat(path, &current) == 0 else { return false }
        return held.st_dev == current.st_dev && held.st_ino == current.st_ino
    }

    deinit {
        // Closing the descriptor releases the flock.
        close(descriptor)
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int32($0) }
    }

    static func systemMessage(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
