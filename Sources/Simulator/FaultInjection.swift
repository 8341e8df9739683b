import NIOConcurrencyHelpers
import NIOCore
import WebServer

/// Applies a `FaultSwitch` in front of a vendor's handler: a different response, or the
/// vendor's own delivered the wrong way.
enum FaultInjection {
    static func apply(_ faults: FaultSwitch, request: HTTPRequest,
                      next: (HTTPRequest) async -> HTTPResponse) async -> SimulatorHTTPServer.Answer {
        switch faults.consume() {
        case nil:
            return .init(await next(request))
        case .status(let code):
            var response = HTTPResponse.json(#"{"error":"simulated fault"}"#, status: .init(statusCode: code))
            if code == 429 { response.headers.add(name: "Retry-After", value: "30") }
            if code == 401 { response.headers.add(name: "WWW-Authenticate", value: #"Bearer realm="simulator""#) }
            return .init(response)
        case .unauthorizedTimes:
            return .init(.json(#"{"error":"unauthorized"}"#, status: .unauthorized))
        case .delay(let seconds):
            try? await Task.sleep(for: .seconds(seconds))
            return .init(await next(request))
        case .hang:
            // Sleep until cancelled (server shutdown) or the fault is cleared.
            while faults.current == .hang, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
            }
            return .init(await next(request))
        case .truncatedBody:
            let response = await next(request)
            return .init(response, delivery: .truncated(bytes: response.bodyLength / 2))
        case .malformedBody:
            var response = await next(request)
            var body = ByteBuffer()
            body.writeString("{\"this is\": not json <html>")
            response.bodyParts = [.bytes(body)]
            return .init(response)
        case .dropConnection:
            return .init(HTTPResponse(), delivery: .dropConnection)
        case .slowDrip:
            return .init(await next(request), delivery: .drip(chunk: 8, intervalMilliseconds: 500))
        case .resetMidBody:
            let response = await next(request)
            return .init(response, delivery: .reset(afterBytes: response.bodyLength / 2))
        case .wrongContentType:
            return .init(.text("<html><body><h1>Proxy error</h1></body></html>\n", contentType: "text/html; charset=utf-8"))
        case .hugeBody(let bytes):
            return .init(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: hugeBody(bytes)))
        }
    }

    /// One valid JSON array of `bytes` bytes, made once per size and shared by every answer
    /// (a `ByteBuffer` is copy-on-write): filling 100 MB for each request of a poll every 300 ms
    /// made the simulator, in the same process as the daemon under test, starve the daemon.
    private static let hugeBodies = NIOLockedValueBox<[Int: ByteBuffer]>([:])

    private static func hugeBody(_ bytes: Int) -> ByteBuffer {
        hugeBodies.withLockedValue { bodies in
            if let body = bodies[bytes] { return body }
            var body = ByteBuffer()
            body.writeString("[")
            body.writeRepeatingByte(UInt8(ascii: " "), count: max(0, bytes - 2))
            body.writeString("]")
            bodies[bytes] = body
            return body
        }
    }
}
