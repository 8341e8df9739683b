@testable import Adapters
import BackupModel
import Foundation
import Glibc
import Testing

/// A request that gave up while its connection was still being opened must take the attempt with
/// it. AsyncHTTPClient's pool keeps an attempt until the client's connect timeout, and the next
/// request waits for that attempt rather than opening its own: after a blackhole, the poll that
/// follows would fail on a link that is already back.
@Suite("Connection attempts")
struct ConnectAttemptTests {
    @Test("a request that timed out while connecting leaves no attempt for the next one to wait on")
    func attemptEndsWithItsRequest() async throws {
        let listener = try BlackholeListener()
        defer { listener.close() }
        try await withHTTPClient { client in
            let target = TestTargets.target(url: "http://127.0.0.1:\(listener.port)", timeout: 0.5)
            let connection = try TargetConnection(target: target, client: client)
            let started = ContinuousClock.now
            do throws(PollError) {
                _ = try await connection.send(.GET, "/first")
                Issue.record("the first request was answered through a full accept queue")
            } catch {
                #expect(error.reason == .timeout)
            }
            // The kernel resends a dropped SYN 1 s after the first, then 1 or 2 s after that
            // (linear or exponential backoff, by kernel version). The link opens 1.3 s in, after
            // the first resend was dropped: a fresh connection is answered at once, while a
            // request that waits for the old attempt sees its 2 s resend, after its own deadline.
            try await Task.sleep(until: started + .milliseconds(1300))
            listener.open()
            let answer = try await connection.send(.GET, "/second")
            #expect(answer.status == 200)
        }
    }
}

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
        // The filler's own end closes first, so the server reads its end of the filler as done.
        fillers.forEach { Glibc.close($0) }
        fillers.removeAll()
        let descriptor = self.descriptor
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
