import BackupModel
import Exposition
import NIOCore
import StateStore

/// The store's part of the metrics page, kept per format between scrapes as a `StorePage`: a
/// scrape after one poll re-renders that poll's target, and a scrape after none renders nothing.
///
/// What a reader could get wrong:
/// - The store is asked for a snapshot only when `StateStore.version` moved (it bumps on every
///   change that may alter the snapshot, never the reverse) or a duration of a run in progress
///   is `maxAge` old; the page then decides per target what to render again.
/// - The `process_*` families are not in here: the endpoint appends them fresh on every scrape.
/// - Being an actor, updates of one format's page never interleave: the update after the
///   snapshot's `await` runs on the page as it is then, and a target another scrape already
///   rendered compares equal and is kept.
/// - A format's page is released after `idleRelease` seconds without a scrape of that format,
///   so a one-off OpenMetrics request does not keep a second page resident for good.
actor MetricsPageCache {
    private struct Kept {
        var page: StorePage
        var version: UInt64
        /// Scrapes served from this page, for the release check.
        var scrapes: Int
    }

    let maxAge: Double
    let idleRelease: Double
    private var text: Kept?
    private var openMetrics: Kept?

    init(maxAge: Double = 1, idleRelease: Double = 600) {
        self.maxAge = maxAge
        self.idleRelease = idleRelease
    }

    /// The store families for `format` as of `now` (Unix seconds), as buffers to send in order.
    func plain(format: ExpositionFormat, store: StateStore, now: Double) async -> [ByteBuffer] {
        await refreshed(format: format, store: store, now: now) { $0.plain() }
    }

    /// The same page as the start of a gzip member; only fragments rendered since the last
    /// gzip scrape are compressed.
    func gzip(format: ExpositionFormat, store: StateStore, now: Double) async -> GzipPage? {
        await refreshed(format: format, store: store, now: now) { $0.gzip() }
    }

    /// Renders into the kept page of `format` what changed since its last scrape, then runs
    /// `body` on it with no suspension in between.
    private func refreshed<Result>(
        format: ExpositionFormat, store: StateStore, now: Double, _ body: (inout StorePage) -> Result
    ) async -> Result {
        let version = await store.version
        if let kept = format == .openMetrics ? openMetrics : text, kept.version == version, !kept.page.isStale(at: now) {
            return withKept(format) { kept in
                kept.scrapes += 1
                return body(&kept.page)
            }
        }
        // Read after the version: a change in between makes the page newer than its key, and the
        // next scrape compares again, which is harmless; the reverse cannot happen.
        let snapshot = await store.snapshot()
        if (format == .openMetrics ? openMetrics : text) == nil {
            let kept = Kept(page: StorePage(format: format, maxAge: maxAge), version: version, scrapes: 0)
            if format == .openMetrics { openMetrics = kept } else { text = kept }
            scheduleRelease(format: format)
        }
        return withKept(format) { kept in
            kept.page.update(to: snapshot, now: now)
            kept.version = version
            kept.scrapes += 1
            return body(&kept.page)
        }
    }

    /// Runs `body` on the kept page of `format` in place (no copy of its fragment lists).
    private func withKept<Result>(_ format: ExpositionFormat, _ body: (inout Kept) -> Result) -> Result {
        if format == .openMetrics {
            return body(&openMetrics!)
        }
        return body(&text!)
    }

    /// Checks every `idleRelease` seconds whether `format` was scraped since; drops its page if not.
    private func scheduleRelease(format: ExpositionFormat) {
        Task { [weak self, idleRelease] in
            var seen = 0
            while true {
                try? await Task.sleep(for: .seconds(idleRelease))
                guard let self, let scrapes = await self.scrapesOrRelease(format: format, ifStill: seen) else { return }
                seen = scrapes
            }
        }
    }

    /// The scrape count of `format`'s page; nil once the page is gone, released now because no
    /// scrape came since the count was `seen`, or earlier.
    private func scrapesOrRelease(format: ExpositionFormat, ifStill seen: Int) -> Int? {
        guard let kept = format == .openMetrics ? openMetrics : text else { return nil }
        guard kept.scrapes == seen else { return kept.scrapes }
        if format == .openMetrics { openMetrics = nil } else { text = nil }
        return nil
    }
}
