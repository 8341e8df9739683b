import BackupModel
import Exposition
import NIOCore
import TestSupport
import Testing

/// The daemon serves the store's part of the page assembled from per-target fragments that it
/// keeps between scrapes; a poll changes one target, and only that target may be rendered again.
/// Whatever was kept, the bytes must be exactly the reference page `MetricsRenderer.render` makes.
@Suite("Store page from fragments")
struct StorePageTests {
    static let formats = [ExpositionFormat.prometheusText, .openMetrics]
    /// A page kept compressed only, and one small enough to keep its pieces plain too.
    static let budgets = [0, StorePage.defaultPlainBudget]

    @Test("after one target of many changes, the assembled page is the full render of the new snapshot, plain and gunzipped",
          arguments: formats, budgets)
    func oneChangedTargetAssemblesToTheFullRender(format: ExpositionFormat, plainBudget: Int) throws {
        var page = StorePage(format: format, plainBudget: plainBudget)
        var snapshot = Fixtures.big(targets: 12, jobsPerTarget: 25)
        page.update(to: snapshot, now: Fixtures.now)
        #expect(page.gzip() != nil)

        snapshot.targets[5].pollsTotal += 1
        snapshot.targets[5].health.up.toggle()
        snapshot.targets[5].jobs[3].lastRun = ObservedRun(id: "new", state: .failed, startTime: 1_699_999_000, endTime: 1_700_000_000)
        snapshot.targets[5].jobs.removeLast()
        page.update(to: snapshot, now: Fixtures.now)

        let reference = MetricsRenderer.render(snapshot, process: Fixtures.process, now: Fixtures.now, format: format)
        let process = MetricsRenderer.renderProcessFamilies(Fixtures.process, format: format)
        #expect(ByteComparison.firstDifference(Self.plain(&page) + process, reference) == nil)
        let made = page.gzip()
        let gzip = try #require(made)
        let member = Self.bytes([gzip.compressed]) + (try #require(gzip.body(tail: process)))
        #expect(ByteComparison.firstDifference(try Inflate.gunzip(member), reference) == nil)
    }

    @Test("the kept page has no room to grow: every gzip piece it keeps is exactly its size")
    func keptBuffersAreExactlyTheirSize() throws {
        var page = StorePage(format: .prometheusText)
        page.update(to: Fixtures.big(targets: 12, jobsPerTarget: 25), now: Fixtures.now)
        let made = page.gzip()
        let gzip = try #require(made)
        // A ByteBuffer of its own rounds its capacity up to a power of two: at 10,000 jobs that
        // was 33 MB of heap for a 22.6 MiB page.
        let kept = gzip.pieces.map(\.deflated) + gzip.pieces.compactMap(\.plain) + [gzip.compressed]
        #expect(kept.count > 2)
        for (index, buffer) in kept.enumerated() {
            #expect(buffer.capacity == buffer.readableBytes, "piece \(index) of \(kept.count)")
        }
    }

    @Test("once compressed the page holds its targets' bytes in pieces only; a change holds its target's until the next compression")
    func plainBytesAreLetGoOnceCompressed() throws {
        var page = StorePage(format: .prometheusText, plainBudget: 0)
        var snapshot = Self.finished(Fixtures.big(targets: 20, jobsPerTarget: 30))
        page.update(to: snapshot, now: Fixtures.now)
        let rendered = page.plainBytesHeld
        let made = page.gzip()
        let pieces = try #require(made).pieces
        let length = pieces.reduce(0) { $0 + $1.length }
        #expect(rendered > length / 2, "before compression the rendered targets are held: \(rendered) of \(length)")
        #expect(page.plainBytesHeld == 0, "after: \(page.plainBytesHeld) bytes of \(length)")

        snapshot.targets[7].pollsTotal += 1
        page.update(to: snapshot, now: Fixtures.now)
        let changed = page.plainBytesHeld
        #expect(changed > 0 && changed < length / 10, "one target of 20: \(changed) of \(length)")
        #expect(ByteComparison.firstDifference(Self.plain(&page), Self.storePart(snapshot, now: Fixtures.now)) == nil)
        #expect(page.plainBytesHeld == 0)
        let compressed = page.gzip()
        #expect(try #require(compressed).pieces.allSatisfy { $0.plain == nil }, "no budget, no piece kept plain")
    }

    @Test("pieces keep their plain bytes up to the page's budget and no further, through a change")
    func piecesKeepPlainBytesWithinTheBudget() throws {
        var snapshot = Self.finished(Fixtures.big(targets: 20, jobsPerTarget: 30))
        var whole = StorePage(format: .prometheusText)
        whole.update(to: snapshot, now: Fixtures.now)
        let wholePage = whole.gzip()
        let pieces = try #require(wholePage).pieces
        let length = pieces.reduce(0) { $0 + $1.length }
        #expect(pieces.allSatisfy { $0.plain?.readableBytes == $0.length }, "a small page is kept plain whole")

        let budget = length / 2
        var half = StorePage(format: .prometheusText, plainBudget: budget)
        half.update(to: snapshot, now: Fixtures.now)
        for pass in 1...2 {
            let halfPage = half.gzip()
            let kept = try #require(halfPage).pieces.compactMap(\.plain)
            let held = kept.reduce(0) { $0 + $1.readableBytes }
            #expect(held <= budget, "pass \(pass): \(held) plain bytes kept within a budget of \(budget)")
            #expect(held > budget / 2, "pass \(pass): \(held) plain bytes kept use the budget of \(budget)")
            #expect(kept.count < pieces.count, "pass \(pass): some pieces are inflated as they are sent")
            #expect(ByteComparison.firstDifference(Self.plain(&half), Self.storePart(snapshot, now: Fixtures.now)) == nil)
            snapshot.targets[3].pollsTotal += 1
            half.update(to: snapshot, now: Fixtures.now)
        }
    }

    @Test("the golden snapshot assembles to the golden page's bytes in both formats", arguments: formats)
    func goldenSnapshotAssemblesToTheReference(format: ExpositionFormat) {
        var page = StorePage(format: format)
        page.update(to: Fixtures.golden, now: Fixtures.now)
        let process = MetricsRenderer.renderProcessFamilies(Fixtures.process, format: format)
        #expect(Self.plain(&page) + process
                == MetricsRenderer.render(Fixtures.golden, process: Fixtures.process, now: Fixtures.now, format: format))
    }

    @Test("targets added, removed and reordered assemble in the new snapshot's order", arguments: budgets)
    func targetsAddedRemovedAndReordered(plainBudget: Int) {
        var page = StorePage(format: .prometheusText, plainBudget: plainBudget)
        var snapshot = Fixtures.big(targets: 6, jobsPerTarget: 4)
        page.update(to: snapshot, now: Fixtures.now)
        // Compressed first, as every scrape does: the kept fragments come out of their pieces.
        #expect(page.gzip() != nil)
        let added = Fixtures.big(targets: 8, jobsPerTarget: 3).targets[7]
        snapshot.targets = [snapshot.targets[4], added, snapshot.targets[0], snapshot.targets[2]]
        page.update(to: snapshot, now: Fixtures.now)

        #expect(page.targetRenders == 6 + 1, "only the added target is new")
        #expect(Self.plain(&page)
                == MetricsRenderer.render(snapshot, process: nil, now: Fixtures.now, format: .prometheusText)
                - MetricsRenderer.renderProcessFamilies(nil, format: .prometheusText))
    }

    @Test("a change to one target renders that target again and no other; no change renders nothing")
    func aChangeRendersOnlyItsTarget() {
        var page = StorePage(format: .prometheusText)
        var snapshot = Self.finished(Fixtures.big(targets: 50, jobsPerTarget: 20))
        page.update(to: snapshot, now: Fixtures.now)
        #expect(page.targetRenders == 50)

        page.update(to: snapshot, now: Fixtures.now + 5)
        #expect(page.targetRenders == 50)

        snapshot.targets[17].pollsTotal += 1
        page.update(to: snapshot, now: Fixtures.now + 6)
        #expect(page.targetRenders == 51)

        snapshot.stateWriteErrors += 1
        page.update(to: snapshot, now: Fixtures.now + 7)
        #expect(page.targetRenders == 51, "the exporter's families are not a target's")
        #expect(page.durationRenders == 0)
    }

    @Test("a run in progress has its target's durations rendered again once they are maxAge old, and nothing else")
    func runningDurationsFollowTheClock() throws {
        var snapshot = Self.finished(Fixtures.big(targets: 4, jobsPerTarget: 5))
        snapshot.targets[2].jobs[1].lastRun = ObservedRun(id: "r", state: .running, startTime: Fixtures.now - 100)
        var page = StorePage(format: .prometheusText, maxAge: 1)
        page.update(to: snapshot, now: Fixtures.now)
        #expect(!page.isStale(at: Fixtures.now + 0.5))
        #expect(page.isStale(at: Fixtures.now + 1))

        page.update(to: snapshot, now: Fixtures.now + 0.5)
        #expect(page.durationRenders == 0)
        #expect(ByteComparison.firstDifference(Self.plain(&page), Self.storePart(snapshot, now: Fixtures.now)) == nil, "within maxAge the kept duration stands")

        page.update(to: snapshot, now: Fixtures.now + 30)
        #expect(page.durationRenders == 1)
        #expect(page.targetRenders == 4)
        #expect(ByteComparison.firstDifference(Self.plain(&page), Self.storePart(snapshot, now: Fixtures.now + 30)) == nil)
        let text = String(decoding: Self.plain(&page), as: UTF8.self)
        #expect(text.contains(#"backup_job_last_run_duration_seconds{target="target-2",vendor="#))
        #expect(text.contains("job_id=\"job-2-1\",job_name=\"Job 1 \\\"quoted\\\" back\\\\slash\\nline ü\"} 130\n"))
    }

    // MARK: - Helpers

    /// The snapshot with every run finished, so no value depends on the scrape's clock.
    static func finished(_ snapshot: ExporterSnapshot) -> ExporterSnapshot {
        var snapshot = snapshot
        for target in snapshot.targets.indices {
            for job in snapshot.targets[target].jobs.indices where snapshot.targets[target].jobs[job].lastRun?.durationFollowsClock == true {
                snapshot.targets[target].jobs[job].lastRun?.state = .succeeded
                snapshot.targets[target].jobs[job].lastRun?.endTime = Fixtures.now - 1
            }
        }
        return snapshot
    }

    static func storePart(_ snapshot: ExporterSnapshot, now: Double) -> [UInt8] {
        MetricsRenderer.render(snapshot, process: nil, now: now, format: .prometheusText)
            - MetricsRenderer.renderProcessFamilies(nil, format: .prometheusText)
    }

    /// The plain page: every piece of the page, kept plain or inflated, in order, as a plain
    /// scrape sends it.
    static func plain(_ page: inout StorePage) -> [UInt8] {
        guard let made = page.gzip() else {
            Issue.record("no page")
            return []
        }
        var bytes: [UInt8] = []
        for piece in made.pieces {
            guard let inflated = piece.inflated() else {
                Issue.record("a piece does not inflate")
                return []
            }
            bytes += inflated.readableBytesView
        }
        return bytes
    }

    static func bytes(_ buffers: [ByteBuffer]) -> [UInt8] {
        buffers.reduce(into: []) { $0 += $1.readableBytesView }
    }
}

/// The reference page without its closing part.
private func - (page: [UInt8], suffix: [UInt8]) -> [UInt8] {
    precondition(page.suffix(suffix.count).elementsEqual(suffix))
    return Array(page.dropLast(suffix.count))
}
