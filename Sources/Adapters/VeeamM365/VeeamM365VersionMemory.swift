/// Which API version answered the last login, shared by the polls of one target so the fallback
/// probe (v8 → v7 → v6) costs 404s only when a session starts, not on every call.
actor VeeamM365VersionMemory {
    private(set) var answered: VeeamM365APIVersion?

    /// Records the version that answered; true when it differs from the one known before, so the
    /// caller logs a change once instead of on every login.
    func remember(_ version: VeeamM365APIVersion) -> Bool {
        defer { answered = version }
        return answered != version
    }

    func forget() { answered = nil }
}
