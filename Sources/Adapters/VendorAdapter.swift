import BackupModel

/// The one role every vendor adapter plays, in the spirit of blackbox_exporter's probers: given a
/// configured target, poll it once and answer normalised jobs. Everything vendor-specific
/// (paths, auth flows, field names, status words) stays behind this protocol.
///
/// Adapters are long-lived (one per configured target, recreated on reload) so they may keep
/// state such as a session token; the scheduler never runs two polls of the same adapter at once.
public protocol VendorAdapter: Sendable {
    /// Polls the target once. Every failure is a `PollError` with the reason label to export.
    func poll() async throws(PollError) -> [ObservedJob]

    /// Called once when the adapter is retired (its target removed or changed by a reload, or the
    /// daemon stopping): the place to log out of a vendor session. Must not take long; errors
    /// are the adapter's to swallow.
    func shutdown() async
}

extension VendorAdapter {
    public func shutdown() async {}
}
