import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Collects one vendor answer on its connection's event loop: the head, then the body up to a
/// limit, handed over whole when the request ends (`TargetConnection.send`).
///
/// Why a delegate of our own rather than AsyncHTTPClient's `ResponseAccumulator`: a failure must
/// say whether the head had arrived. A connection closed before the head means the service is not
/// answering (`connect`); closed in the middle of the body, the answer is truncated (`decode`).
final class ResponseCollector: HTTPClientResponseDelegate {
    struct Answer: Sendable {
        var head: HTTPResponseHead
        var body: ByteBuffer
    }

    /// The body passed `limit` bytes; the request is ended without reading the rest.
    struct TooLarge: Error {}

    private struct State {
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    let limit: Int
    /// AsyncHTTPClient calls a delegate on the request's event loop only; the lock is for the
    /// reads after the request ended, on the poll's task.
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// True once the response head arrived: a failure after that is in the body.
    var headArrived: Bool {
        state.withLock { $0.head != nil }
    }

    func didReceiveHead(task: HTTPClient.Task<Answer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Answer>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLock { state in
            guard state.body.readableBytes + part.readableBytes <= limit else { return false }
            var part = part
            state.body.writeBuffer(&part)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(TooLarge())
    }

    func didFinishRequest(task: HTTPClient.Task<Answer>) throws -> Answer {
        try state.withLock { state in
            // AsyncHTTPClient calls this only after a head; a missing one is a broken answer.
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return Answer(head: head, body: state.body)
        }
    }
}
