import NIOCore
import NIOHTTP1

/// A response, plus how to deliver it. The non-normal deliveries exist for the vendor simulator,
/// which must be able to misbehave the way real appliances do.
public struct HTTPResponse: Sendable {
    public enum Delivery: Sendable, Equatable {
        /// Head and whole body, keep-alive as the client asked.
        case normal
        /// Announce the full `Content-Length` but send only the first `bytes` bytes, then close.
        case truncated(bytes: Int)
        /// Close the connection without answering.
        case dropConnection
        /// Send the first `bytes` bytes, then reset the connection (RST, not an orderly close).
        case reset(afterBytes: Int)
        /// Send the body `chunk` bytes at a time, one chunk per `intervalMilliseconds`: a server
        /// that answers, but too slowly to ever finish within a timeout.
        case drip(chunk: Int, intervalMilliseconds: Int64)
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// Sent right after `body` as a separate write, and counted in `Content-Length`: lets a caller
    /// answer with a large shared buffer (a cached page) plus a small fresh part without copying
    /// the large one into a new buffer on every request. Only `.normal` delivery sends it apart;
    /// the misbehaving deliveries treat `body + tail` as one body.
    public var tail: ByteBuffer
    public var delivery: Delivery

    public init(
        status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(),
        tail: ByteBuffer = ByteBuffer(), delivery: Delivery = .normal
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.tail = tail
        self.delivery = delivery
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
}

extension HTTPResponse.Delivery {
    var isDrip: Bool {
        if case .drip = self { true } else { false }
    }
}
