import NIOCore
import NIOHTTP1

/// A response: status, headers and a body as a list of buffers. How it goes on the wire is the
/// server's business; the daemon's server always sends it whole.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    /// The body's parts in order: lets a caller answer with buffers it keeps and shares (a
    /// metrics page kept as compressed pieces) plus a small fresh part, without copying them
    /// into one per request, and with parts made only as they are sent.
    public var bodyParts: [BodyPart]

    /// One part of a body.
    public enum BodyPart: Sendable {
        /// Bytes written as they are (NIO gathers neighbouring ones into one `writev`).
        case bytes(ByteBuffer)
        /// `length` bytes that `make` gives when the part is about to be sent: a body larger than
        /// what the server should hold at once (a metrics page inflated from its pieces) is made
        /// a few parts at a time, as the socket drains. Nil from `make` ends the connection.
        case deferred(length: Int, make: @Sendable () -> ByteBuffer?)

        var length: Int {
            switch self {
            case .bytes(let buffer): buffer.readableBytes
            case .deferred(let length, _): length
            }
        }
    }

    /// The body's length in bytes, over all its parts.
    public var bodyLength: Int {
        bodyParts.reduce(0) { $0 + $1.length }
    }

    /// Every part's bytes, the deferred ones made now; nil if one cannot be. For bodies that are
    /// small by design (the simulator's) and for tests.
    public func bodyBuffers() -> [ByteBuffer]? {
        var buffers: [ByteBuffer] = []
        for part in bodyParts {
            switch part {
            case .bytes(let buffer): buffers.append(buffer)
            case .deferred(_, let make):
                guard let buffer = make() else { return nil }
                buffers.append(buffer)
            }
        }
        return buffers
    }

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.init(status: status, headers: headers, bodyParts: [.bytes(body)])
    }

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], bodyParts: [BodyPart]) {
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
