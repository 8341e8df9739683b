import NIOCore
import NIOHTTP1

/// A response: status, headers and a body as a list of buffers. How it goes on the wire is the
/// server's business; the daemon's server always sends it whole.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    /// The body's buffers in order, each written as it is and all flushed at once (NIO gathers
    /// them into `writev`): lets a caller answer with buffers it keeps and shares (a metrics page
    /// kept as fragments) plus a small fresh part, without copying them into one per request.
    public var bodyParts: [ByteBuffer]

    /// The body's length in bytes, over all its parts.
    public var bodyLength: Int {
        bodyParts.reduce(0) { $0 + $1.readableBytes }
    }

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.init(status: status, headers: headers, bodyParts: [body])
    }

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], bodyParts: [ByteBuffer]) {
        self.status = status
        self.headers = headers
        self.bodyParts = bodyParts
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

    /// The status line and headers, with `Content-Length` counting every body part and a
    /// `Connection` header that tells the client whether the connection stays open. A server
    /// that then sends fewer bytes (the simulator's faults) still announces the whole length.
    public func head(keepAlive: Bool) -> HTTPResponseHead {
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(bodyLength))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }
}
