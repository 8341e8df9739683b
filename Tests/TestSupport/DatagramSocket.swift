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
public final class DatagramSocket: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case pathTooLong(String)
        case system(call: String, path: String, errno: Int32)

        public var description: String {
            switch self {
            case .pathTooLong(let path): "socket path too long for sockaddr_un: \(path)"
            case .system(let call, let path, let code): "\(call) for \(path) failed: \(String(cString: strerror(code)))"
            }
        }

        public var errno: Int32? {
            if case .system(_, _, let code) = self { code } else { nil }
        }
    }

    public let path: String
    private let descriptor: Int32

    public init(bindingTo path: String) throws {
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
    public func receiveQueued() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count < 0 ? nil : Array(buffer.prefix(count))
    }

    /// Every datagram queued now, as text, oldest first (sd_notify's messages are UTF-8).
    public func queuedMessages() -> [String] {
        var messages: [String] = []
        while let datagram = receiveQueued() { messages.append(String(decoding: datagram, as: UTF8.self)) }
        return messages
    }

    /// Closes the socket and removes its file, so the path is free for the next test.
    public func closeAndUnlink() {
        close(descriptor)
        unlink(path)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago: for a child process that must be told its
/// listen address up front. (Binding port 0 inside the child would be race-free, but then the
/// test would have to read the port back from its log.)
public func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw DatagramSocket.Failure.system(call: "socket", path: "127.0.0.1:0", errno: errno) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
            bind(descriptor, sockaddrPointer, length) == 0 && getsockname(descriptor, sockaddrPointer, &length) == 0
        }
    }
    guard bound else { throw DatagramSocket.Failure.system(call: "bind", path: "127.0.0.1:0", errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}
