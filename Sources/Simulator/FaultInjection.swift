import NIOCore
import WebServer

/// Applies a `FaultSwitch` in front of a vendor's handler.
enum FaultInjection {
    static func apply(_ faults: FaultSwitch, request: HTTPRequest, next: HTTPHandler) async -> HTTPResponse {
        switch faults.consume() {
        case nil:
            return await next(request)
        case .status(let code):
            var response = HTTPResponse.json(#"{"error":"simulated fault"}"#, status: .init(statusCode: code))
            if code == 429 { response.headers.add(name: "Retry-After", value: "30") }
            if code == 401 { response.headers.add(name: "WWW-Authenticate", value: #"Bearer realm="simulator""#) }
            return response
        case .unauthorizedTimes:
            return .json(#"{"error":"unauthorized"}"#, status: .unauthorized)
        case .delay(let seconds):
            try? await Task.sleep(for: .seconds(seconds))
            return await next(request)
        case .hang:
            // Sleep until cancelled (server shutdown) or the fault is cleared.
            while faults.current == .hang, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
            }
            return await next(request)
        case .truncatedBody:
            var response = await next(request)
            response.delivery = .truncated(bytes: response.body.readableBytes / 2)
            return response
        case .malformedBody:
            var response = await next(request)
            var body = ByteBuffer()
            body.writeString("{\"this is\": not json <html>")
            response.body = body
            return response
        case .dropConnection:
            return HTTPResponse(delivery: .dropConnection)
        case .slowDrip:
            var response = await next(request)
            response.delivery = .drip(chunk: 8, intervalMilliseconds: 500)
            return response
        case .resetMidBody:
            var response = await next(request)
            response.delivery = .reset(afterBytes: response.body.readableBytes / 2)
            return response
        case .wrongContentType:
            return .text("<html><body><h1>Proxy error</h1></body></html>\n", contentType: "text/html; charset=utf-8")
        case .hugeBody(let bytes):
            var body = ByteBuffer()
            body.writeString("[")
            body.writeRepeatingByte(UInt8(ascii: " "), count: max(0, bytes - 2))
            body.writeString("]")
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
        }
    }
}
