/// What one connection, and all of them together, may hold of the server. Without these a client
/// that opens connections and never finishes a request head keeps each one, and its file
/// descriptor, for as long as it likes: enough of them and the process cannot accept a scrape or
/// open a socket to a vendor.
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once. At the cap a new connection closes an idle one (waiting for its
    /// first or next request, or holding a partial head): one never answered before a keep-alive
    /// one, the oldest first (`ConnectionRegistry`). When every open connection has a request in
    /// progress, the new one is closed instead: waiting would hold it in the accept queue, where
    /// it blocks the connects behind it.
    public var maxConnections: Int
    /// From accept, or from the first byte of a keep-alive connection's next request, until the
    /// whole request (head and body) has arrived.
    public var headerReadTimeout: Duration
    /// From the end of a response until the first byte of the next request.
    public var idleTimeout: Duration
    /// Request line and header fields together; larger is answered 400 and closed (NIO's decoder
    /// reports it as a protocol error).
    public var maxHeaderBytes: Int
    /// How long an answer may wait, the channel's queue over NIO's high-water mark, for the socket
    /// to take any more of it.
    /// A client that asks for the page and never reads holds its connection with a request in
    /// progress, which the cap never evicts: enough of them and every new scrape is refused. A
    /// slow reader that keeps reading restarts the wait each time it takes some, so a large page
    /// over a slow link is not cut.
    public var writeStallTimeout: Duration

    /// The `--web.*` defaults: 512 connections, 10 s to send a request, 60 s idle, 16 KiB of head;
    /// and 30 s for a stalled answer (no flag: three of Prometheus's default scrape timeouts, and
    /// nothing that reads is ever that long without taking a byte).
    public static let `default` = ConnectionLimits(
        maxConnections: 512, headerReadTimeout: .seconds(10), idleTimeout: .seconds(60), maxHeaderBytes: 16 << 10)

    public init(maxConnections: Int, headerReadTimeout: Duration, idleTimeout: Duration, maxHeaderBytes: Int,
                writeStallTimeout: Duration = .seconds(30)) {
        self.maxConnections = maxConnections
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.writeStallTimeout = writeStallTimeout
    }
}
