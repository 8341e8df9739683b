#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The raw stderr file descriptor, bypassing stdio buffering.
enum StandardError {
    /// Writes `line` and its newline with as few `write(2)` calls as the kernel allows (one for any
    /// line under the pipe buffer size), so lines logged from concurrent tasks do not interleave.
    /// A failing stderr is ignored: there is nowhere left to report it.
    static func write(line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else {
                return
            }
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(STDERR_FILENO, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR {
                        continue
                    }
                    return
                }
                offset += written
            }
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#endif
