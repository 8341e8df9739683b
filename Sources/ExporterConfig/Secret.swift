/// A password or token. Every way Swift has of printing a value (interpolation, `debugPrint`,
/// `dump`, the reflection a containing struct's default description uses) shows `<redacted>`,
/// so logging a whole configuration is safe. Only `reveal()` gives the value, which makes every
/// place that needs it easy to find.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
