import BackupModel
import Exposition
import NIOCore
import StateStore

/// The store's part of the metrics page, rendered once per store change instead of once per
/// scrape: at 10,000 jobs a render costs milliseconds while a cache hit costs two actor hops.
///
/// What a reader could get wrong:
/// - The key is `StateStore.version`, which bumps on every change that may alter the snapshot
///   (never the reverse), so a hit can never serve an older store than the version says.
/// - A kept page is also dropped after `maxAge` seconds even without a change, because the
///   duration of a run still in progress is computed from the scrape's clock: that one family is
///   at most `maxAge` old, never more.
/// - The `process_*` families are not in here: the endpoint appends them fresh on every scrape.
/// - Being an actor, a miss renders once while concurrent scrapes wait and then hit, instead of
///   every scrape rendering the same page at once.
actor MetricsPageCache {
    private struct Entry {
        var version: UInt64
        var renderedAt: Double
        var bytes: ByteBuffer
    }

    let maxAge: Double
    private var text: Entry?
    private var openMetrics: Entry?

    init(maxAge: Double = 1) {
        self.maxAge = maxAge
    }

    /// The store families for `format` as of `now` (Unix seconds), rendered only when the store
    /// changed or the kept page is older than `maxAge`.
    func storeFamilies(format: ExpositionFormat, store: StateStore, now: Double) async -> ByteBuffer {
        let version = await store.version
        if let entry = format == .openMetrics ? openMetrics : text,
           entry.version == version, now >= entry.renderedAt, now - entry.renderedAt < maxAge {
            return entry.bytes
        }
        // Read after the version: a change in between makes the page newer than its key, and the
        // next scrape renders again, which is harmless; the reverse cannot happen.
        let snapshot = await store.snapshot()
        let entry = Entry(
            version: version, renderedAt: now,
            bytes: ByteBuffer(bytes: MetricsRenderer.renderStoreFamilies(snapshot, now: now, format: format)))
        if format == .openMetrics { openMetrics = entry } else { text = entry }
        return entry.bytes
    }
}
