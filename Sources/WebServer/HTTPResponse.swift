import NIOCore
import NIOHTTP1

/// A response: status, headers and a body in two parts. How it goes on the wire is the server's
/// business; the daemon's server always sends it whole.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// Sent right after `body` as a separate write, and counted in `Content-Length`: lets a caller
    /// answer with a large shared buffer (a cached page) plus a small fresh part without copying
    /// the large one into a new buffer on every request.
    public var tail: ByteBuffer

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(),
                tail: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.tail = tail
    }

    public init(status: HTTPResponseStatus = .ok, contentType: String, body: some Sequence<UInt8>) {
        var buffer = ByteBuffer()
        buffer.writeBytes(body)
        self.init(status: status, headers: ["Content-Type": contentType], body: buffer)
    }

    public static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }

    public static func json(_ text: String, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        .text(text, status: status, contentType: "application/json")
    }

    public static let notFound = HTTPResponse.text("not found\n", status: .notFound)

    /// The status line and headers, with `Content-Length` counting body and tail and a
    /// `Connection` header that tells the client whether the connection stays open. A server
    /// that then sends fewer bytes (the simulator's faults) still announces the whole length.
    public func head(keepAlive: Bool) -> HTTPResponseHead {
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes + tail.readableBytes))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }
}
