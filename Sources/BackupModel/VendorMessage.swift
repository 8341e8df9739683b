/// The bound on a vendor's free text before it reaches the journal and `/status`.
///
/// A vendor may put a whole log into one field (Unitrends `output`, Veeam session `details`); a
/// journald entry and an alert message need the first lines, not megabytes. Whitespace runs and
/// line breaks collapse to one space so the text reads as one line in logfmt too.
public enum VendorMessage {
    /// Characters kept; the cut is marked with an ellipsis.
    public static let limit = 1_000

    /// `text` trimmed, whitespace collapsed and cut to `limit` characters; nil when nothing is left.
    public static func bounded(_ text: String?) -> String? {
        guard let text else { return nil }
        var out = ""
        out.reserveCapacity(min(text.utf8.count, limit + 1))
        var pendingSpace = false
        var count = 0
        for character in text {
            if character.isWhitespace || character.isNewline {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            if count >= limit {
                out.append("…")
                return out
            }
            out.append(character)
            count += 1
        }
        return out.isEmpty ? nil : out
    }

    /// Joins several texts (one per failed task, say) with "; " before bounding them.
    public static func bounded(joining parts: [String]) -> String? {
        bounded(parts.filter { !$0.isEmpty }.joined(separator: "; "))
    }
}
