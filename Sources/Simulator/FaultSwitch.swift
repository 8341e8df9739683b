import NIOConcurrencyHelpers

/// Misbehaviour a simulated vendor can be told to show, as real appliances do: wrong answers,
/// slow answers, no answers. One switch per simulated server; tests and the demo flip it.
public enum Fault: Sendable, Equatable {
    /// Answer every API call with this status (401, 403, 429, 500, 503, ...).
    case status(Int)
    /// Answer 401 for the next `count` calls, then behave.
    case unauthorizedTimes(Int)
    /// Wait this long before answering.
    case delay(Double)
    /// Never answer (until the fault is cleared or the server stops).
    case hang
    /// Send only the first half of the body, then close.
    case truncatedBody
    /// Send a body that is not valid JSON (or XML).
    case malformedBody
    /// Close the connection without answering.
    case dropConnection
    /// Send a body of this many bytes.
    case hugeBody(Int)
    /// Send the body a few bytes at a time, far slower than any timeout.
    case slowDrip
    /// Send half the body, then reset the connection.
    case resetMidBody
    /// Answer 200 with an HTML page, as a login portal or a proxy error page would.
    case wrongContentType
}

/// Holds the current fault, if any. Thread-safe; read on every request.
public final class FaultSwitch: Sendable {
    private let state = NIOLockedValueBox<Fault?>(nil)

    public init() {}

    public var current: Fault? { state.withLockedValue { $0 } }

    public func set(_ fault: Fault?) { state.withLockedValue { $0 = fault } }

    /// Takes one use of a counted fault: returns the fault to apply to this request.
    func consume() -> Fault? {
        state.withLockedValue { fault in
            guard case .unauthorizedTimes(let count) = fault else { return fault }
            fault = count > 1 ? .unauthorizedTimes(count - 1) : nil
            return .status(401)
        }
    }
}
