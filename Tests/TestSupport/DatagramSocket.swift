#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A bound `AF_UNIX` `SOCK_DGRAM` socket standing in for systemd's notify socket or journald.
///
/// Reads never wait: `sd_notify` and `sd_journal_sendv` return only after the kernel queued the
/// datagram on this socket, so anything sent is already there and an empty queue means nothing
/// was sent.
final class DatagramSocket {
    enum Failure: Error, CustomStringConvertible {
        case pathTooLong(String)
        case system(call: String, path: String, errno: Int32)

        var description: String {
            switch self {
            case .pathTooLong(let path): "socket path too long for sockaddr_un: \(path)"
            case .system(let call, let path, let code): "\(call) for \(path) failed: \(String(cString: strerror(code)))"
            }
        }

        var errno: Int32? {
            if case .system(_, _, let code) = self { code } else { nil }
        }
    }

    let path: String
    private let descriptor: Int32

    init(bindingTo path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw Failure.system(call: "socket", path: path, errno: errno)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw Failure.pathTooLong(path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: pathBytes)
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw Failure.system(call: "bind", path: path, errno: code)
        }
    }

    /// The next queued datagram, or nil when none is queued.
    func receiveQueued() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count < 0 ? nil : Array(buffer.prefix(count))
    }

    /// Closes the socket and removes its file, so the path is free for the next test.
    func closeAndUnlink() {
        close(descriptor)
        unlink(path)
    }
}

/// A fresh directory under /tmp, short enough for a `sockaddr_un` path.
func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/systemd-tests-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress.flatMap { mkdtemp($0) }
    }
    guard created != nil else {
        throw DatagramSocket.Failure.system(call: "mkdtemp", path: "/tmp", errno: errno)
    }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
