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
/// - A kept page is released `maxAge` seconds after its render: it could not be served after
///   that anyway, and Prometheus scrapes every 15 s or more, so holding it between scrapes
///   only kept about 2 KiB per job (20 MiB at 10,000 jobs) resident for nothing.
actor MetricsPageCache {
    private struct Entry {
        var version: UInt64
        var renderedAt: Double
        var bytes: ByteBuffer
        /// The page as the first part of a gzip member, made on the first scrape that asks for
        /// gzip and kept with the page, so no scrape compresses what an earlier one did.
        var gzip: GzipPage?
        /// Tells a release timer whether the entry it was started for is still the kept one.
        var generation: UInt64
    }

    let maxAge: Double
    private var text: Entry?
    private var openMetrics: Entry?
    private var generations: UInt64 = 0

    init(maxAge: Double = 1) {
        self.maxAge = maxAge
    }

    /// The store families for `format` as of `now` (Unix seconds), rendered only when the store
    /// changed or the kept page is older than `maxAge`.
    func storeFamilies(format: ExpositionFormat, store: StateStore, now: Double) async -> ByteBuffer {
        await entry(format: format, store: store, now: now).bytes
    }

    /// The same page as the start of a gzip member (`GzipPage`), compressed once per page.
    func gzippedStoreFamilies(format: ExpositionFormat, store: StateStore, now: Double) async -> GzipPage? {
        let kept = await entry(format: format, store: store, now: now)
        if let gzip = kept.gzip { return gzip }
        let gzip = GzipPage(kept.bytes.readableBytesView)
        if format == .openMetrics {
            if openMetrics?.generation == kept.generation { openMetrics?.gzip = gzip }
        } else if text?.generation == kept.generation {
            text?.gzip = gzip
        }
        return gzip
    }

    private func entry(format: ExpositionFormat, store: StateStore, now: Double) async -> Entry {
        let version = await store.version
        if let entry = format == .openMetrics ? openMetrics : text,
           entry.version == version, now >= entry.renderedAt, now - entry.renderedAt < maxAge {
            return entry
        }
        // Read after the version: a change in between makes the page newer than its key, and the
        // next scrape renders again, which is harmless; the reverse cannot happen.
        let snapshot = await store.snapshot()
        generations += 1
        let entry = Entry(
            version: version, renderedAt: now,
            bytes: ByteBuffer(bytes: MetricsRenderer.renderStoreFamilies(snapshot, now: now, format: format)),
            gzip: nil, generation: generations)
        if format == .openMetrics { openMetrics = entry } else { text = entry }
        Task { [weak self, maxAge, generation = entry.generation] in
            try? await Task.sleep(for: .seconds(maxAge))
            await self?.release(format: format, generation: generation)
        }
        return entry
    }

    /// Drops the kept page for `format` if it is still the one rendered as `generation`. Responses
    /// being written keep their own reference to the bytes.
    private func release(format: ExpositionFormat, generation: UInt64) {
        if format == .openMetrics {
            if openMetrics?.generation == generation { openMetrics = nil }
        } else if text?.generation == generation {
            text = nil
        }
    }
}
