/// "did you mean" for unknown keys: the known key closest by edit distance, if it is within 2
/// edits. Ties go to the alphabetically first key so messages are stable across runs.
enum KeySuggestion {
    static func closest(to key: String, among candidates: some Sequence<String>) -> String? {
        var best: (key: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(key.lowercased(), candidate.lowercased())
            if distance <= 2, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.key
    }

    static func unknownKeyMessage(_ key: String, allowed: some Sequence<String>) -> String {
        if let suggestion = closest(to: key, among: allowed) {
            return "unknown key '\(key)' (did you mean '\(suggestion)'?)"
        }
        return "unknown key '\(key)'"
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
