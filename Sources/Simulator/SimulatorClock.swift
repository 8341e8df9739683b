import Foundation
import NIOConcurrencyHelpers

/// The simulator's notion of now. Real time for the demo; a manual clock for tests, so a test
/// can move a job from waiting to running to finished without sleeping.
public final class SimulatorClock: Sendable {
    private enum Mode { case real(offset: Double), manual(Double) }
    private let mode: NIOLockedValueBox<Mode>

    /// A clock that follows the system's wall time.
    public static func system() -> SimulatorClock { SimulatorClock(mode: .real(offset: 0)) }

    /// A clock that stands still until `advance(by:)` or `set(_:)`.
    public static func manual(at start: Double) -> SimulatorClock { SimulatorClock(mode: .manual(start)) }

    private init(mode: Mode) { self.mode = NIOLockedValueBox(mode) }

    public func now() -> Double {
        mode.withLockedValue { mode in
            switch mode {
            case .real(let offset): Date().timeIntervalSince1970 + offset
            case .manual(let time): time
            }
        }
    }

    /// Moves time forward; works for both kinds (a real clock gains an offset).
    public func advance(by seconds: Double) {
        mode.withLockedValue { mode in
            switch mode {
            case .real(let offset): mode = .real(offset: offset + seconds)
            case .manual(let time): mode = .manual(time + seconds)
            }
        }
    }

    public func set(_ time: Double) {
        mode.withLockedValue { $0 = .manual(time) }
    }
}
