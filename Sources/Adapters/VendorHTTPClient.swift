import AsyncHTTPClient
import NIOCore
import Synchronization

/// The daemon's way to the vendors: AsyncHTTPClient clients configured for polling, one per
/// request timeout the config uses, so connections are pooled per host and TLS settings within it.
///
/// Why one per timeout: a connection attempt belongs to the client's pool, not to the request
/// that started it, and lives until the client's connect timeout (30 s when none is set), however
/// early the request gave up. Under a blackhole the kernel keeps resending the SYN, and the next
/// poll's request waits for that attempt instead of opening its own: a link that came back could
/// still fail the next poll. With the connect timeout equal to the target's request timeout, an
/// attempt ends with the request that needed it. A config holds a handful of timeouts at most.
public final class VendorHTTPClient: Sendable {
    private let clients = Mutex<[Int64: HTTPClient]>([:])

    public init() {}

    /// The client whose connect timeout is `timeout` seconds (at least 1 ms).
    public func client(timeout: Double) -> HTTPClient {
        let milliseconds = max(1, Int64((timeout * 1000).rounded()))
        return clients.withLock { clients in
            if let client = clients[milliseconds] { return client }
            let client = Self.makeClient(connectTimeout: .milliseconds(milliseconds))
            clients[milliseconds] = client
            return client
        }
    }

    /// Shuts every client down, after the pollers have stopped: a request through any of them
    /// fails afterwards.
    public func shutdown() async throws {
        let all = clients.withLock { Array($0.values) }
        for client in all {
            try await client.shutdown()
        }
    }

    private static func makeClient(connectTimeout: TimeAmount) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // A redirect could carry the Authorization header to another host: never follow one.
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(90))
        // A refused connection is an answer (the service is down): report it now with reason
        // `connect`, instead of retrying until the request's deadline turns it into a timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = connectTimeout
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
