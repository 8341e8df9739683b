import NIOConcurrencyHelpers

/// The ECLYPSE simulator's switches: job ids the controller "forgot" (404), backups started with
/// `POST /system/backup/create`, and a request count.
public final class EclypseControls: Sendable {
    private struct State {
        var forgotten: Set<String> = []
        var manualBackups: [String: Double] = [:]
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

    /// A backup started by `POST /system/backup/create` at `time`.
    func recordManualBackup(id: String, at time: Double) { state.withLockedValue { $0.manualBackups[id] = time } }

    /// When the backup `id` was started by a create call, or nil when it was not.
    func manualBackup(id: String) -> Double? { state.withLockedValue { $0.manualBackups[id] } }
}
