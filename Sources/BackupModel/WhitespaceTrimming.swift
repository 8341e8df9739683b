extension StringProtocol {
    /// The text without leading and trailing whitespace, newlines included: what vendors pad
    /// status words and numbers with, and what people leave around config values.
    /// (Foundation's `trimmingCharacters(in:)` would bring Foundation, and ICU with it, into a
    /// binary that otherwise needs neither.)
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
