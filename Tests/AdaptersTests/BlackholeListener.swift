import Foundation
import Glibc

/// A listener on 127.0.0.1 whose accept queue is full, so the kernel drops every SYN sent to it:
/// a blackhole without root or a network namespace. `open()` drains the queue and answers every
/// request after that with 200 "ok".
final class BlackholeListener: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private var fillers: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = listener >= 0 && withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        } && listen(listener, 0) == 0
        guard listening else { throw SocketFailure(errno: errno) }
        descriptor = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        // With a backlog of 0 the queue holds one connection; one completed handshake fills it.
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var peer = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw SocketFailure(errno: errno) }
        fillers.append(filler)
    }

    /// Empties the queue and serves from now on, on a thread of its own.
    func open() {
        // The queue is emptied here, before this returns: a SYN that comes next is taken by the
        // kernel at once, however late the serving thread starts.
        let descriptor = self.descriptor
        for filler in fillers {
            Glibc.close(filler)
            Glibc.close(accept(descriptor, nil, nil))
        }
        fillers.removeAll()
        Thread.detachNewThread {
            while true {
                let connection = accept(descriptor, nil, nil)
                if connection < 0 { return }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !request.ends(with: Array("\r\n\r\n".utf8)) {
                    let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { break }
                    request += buffer.prefix(count)
                }
                if !request.isEmpty {
                    let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8)
                    _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                Glibc.close(connection)
            }
        }
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
        fillers.forEach { Glibc.close($0) }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    struct SocketFailure: Error { let errno: Int32 }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
