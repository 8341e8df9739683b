import NIOConcurrencyHelpers

/// The ECLYPSE simulator's switches: job ids the controller "forgot" (404), and a request count.
public final class EclypseControls: Sendable {
    private struct State {
        var forgotten: Set<String> = []
        var requests = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The controller answers 404 for this id until `remember(_:)`.
    public func forget(_ id: String) { state.withLockedValue { _ = $0.forgotten.insert(id) } }
    public func remember(_ id: String) { state.withLockedValue { _ = $0.forgotten.remove(id) } }
    public func isForgotten(_ id: String) -> Bool { state.withLockedValue { $0.forgotten.contains(id) } }

    /// Requests answered so far (all paths, good or not).
    public var requests: Int { state.withLockedValue { $0.requests } }

    func countRequest() { state.withLockedValue { $0.requests += 1 } }
}
