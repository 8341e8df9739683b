/// Remembers which notices an adapter already logged, so a condition that lasts (a deprecated
/// API, a job the controller forgot, a window with more jobs than the cap) is reported once per
/// adapter instead of on every poll. A reload builds new adapters and so reports again, which
/// is what an operator who just changed the config wants.
actor LogOnce {
    private var seen: Set<String> = []

    /// True the first time `key` is passed (until `reset(key)`).
    func first(_ key: String) -> Bool {
        seen.insert(key).inserted
    }

    /// Forgets `key`, so the condition is reported again if it comes back.
    func reset(_ key: String) {
        seen.remove(key)
    }
}
