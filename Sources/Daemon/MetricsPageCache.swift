import BackupModel
import Exposition
import NIOCore
import StateStore

/// The store's part of the metrics page, kept per format between scrapes as a `StorePage` (in
/// compressed pieces): a scrape after one poll re-renders that poll's target, and a scrape after
/// none renders nothing.
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
/// - After a page changed or was released, the allocator is asked to return free pages
///   (`MallocTuning.releaseFreePages`, at most every `trimInterval`): the buffers a change
///   replaces are freed inside malloc's arenas, which keep them resident otherwise.
actor MetricsPageCache {
    private struct Kept {
        var page: StorePage
        var version: UInt64
        /// Scrapes served from this page, for the release check.
        var scrapes: Int
    }

    let maxAge: Double
    let idleRelease: Double
    let plainBudget: Int
    /// At most one page per format, while that format is being scraped.
    private var pages: [ExpositionFormat: Kept] = [:]
    static let trimInterval: Duration = .seconds(5)
    private var lastTrim: ContinuousClock.Instant?
    private var trimScheduled = false

    init(maxAge: Double = 1, idleRelease: Double = 600, plainBudget: Int = StorePage.defaultPlainBudget) {
        self.plainBudget = plainBudget
        self.maxAge = maxAge
        self.idleRelease = idleRelease
    }

    /// The store families for `format` as of `now` (Unix seconds), as the start of a gzip
    /// member whose pieces are also the plain page; only fragments rendered since the last
    /// scrape are compressed. Nil only when zlib cannot allocate its state.
    func page(format: ExpositionFormat, store: StateStore, now: Double) async -> GzipPage? {
        await refreshed(format: format, store: store, now: now) { $0.gzip() }
    }

    /// Renders into the kept page of `format` what changed since its last scrape, then runs
    /// `body` on it with no suspension in between.
    private func refreshed<Result>(
        format: ExpositionFormat, store: StateStore, now: Double, _ body: (inout StorePage) -> Result
    ) async -> Result {
        let version = await store.version
        if pages[format].map({ $0.version == version && !$0.page.isStale(at: now) }) == true,
           var kept = pages.removeValue(forKey: format) {
            kept.scrapes += 1
            defer { pages[format] = kept }
            return body(&kept.page)
        }
        // Read after the version: a change in between makes the page newer than its key, and the
        // next scrape compares again, which is harmless; the reverse cannot happen.
        let snapshot = await store.snapshot()
        // Taken out of the dictionary while it is worked on, so its fragment lists are uniquely
        // referenced and change in place; no suspension until it is put back.
        var kept: Kept
        if let existing = pages.removeValue(forKey: format) {
            kept = existing
        } else {
            kept = Kept(page: StorePage(format: format, maxAge: maxAge, plainBudget: plainBudget), version: version, scrapes: 0)
            scheduleRelease(format: format)
        }
        kept.page.update(to: snapshot, now: now)
        kept.version = version
        kept.scrapes += 1
        let result = body(&kept.page)
        pages[format] = kept
        releaseFreePages()
        return result
    }

    /// After a change to a page, the buffers it replaced are free but their pages stay resident
    /// (see `MallocTuning.releaseFreePages`). Released at most once per `trimInterval`; a change
    /// inside it is released at its end, so the last change before a quiet spell is released too.
    private func releaseFreePages() {
        let now = ContinuousClock.now
        guard let last = lastTrim, now - last < Self.trimInterval else {
            trimNow()
            return
        }
        guard !trimScheduled else { return }
        trimScheduled = true
        Task { [weak self] in
            try? await Task.sleep(until: last + Self.trimInterval)
            await self?.trimNow()
        }
    }

    private func trimNow() {
        trimScheduled = false
        lastTrim = .now
        MallocTuning.releaseFreePages()
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
        guard let kept = pages[format] else { return nil }
        guard kept.scrapes == seen else { return kept.scrapes }
        pages[format] = nil
        releaseFreePages()
        return nil
    }
}
