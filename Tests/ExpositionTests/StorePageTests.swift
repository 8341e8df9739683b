import BackupModel
import Exposition
import NIOCore
import Testing

/// The daemon serves the store's part of the page assembled from per-target fragments that it
/// keeps between scrapes; a poll changes one target, and only that target may be rendered again.
/// Whatever was kept, the bytes must be exactly the reference page `MetricsRenderer.render` makes.
@Suite("Store page from fragments")
struct StorePageTests {
    static let formats = [ExpositionFormat.prometheusText, .openMetrics]

    @Test("after one target of many changes, the assembled page is the full render of the new snapshot, plain and gunzipped",
          arguments: formats)
    func oneChangedTargetAssemblesToTheFullRender(format: ExpositionFormat) throws {
        var page = StorePage(format: format)
        var snapshot = Fixtures.big(targets: 12, jobsPerTarget: 25)
        page.update(to: snapshot, now: Fixtures.now)
        _ = page.plain()
        #expect(page.gzip() != nil)

        snapshot.targets[5].pollsTotal += 1
        snapshot.targets[5].health.up.toggle()
        snapshot.targets[5].jobs[3].lastRun = ObservedRun(id: "new", state: .failed, startTime: 1_699_999_000, endTime: 1_700_000_000)
        snapshot.targets[5].jobs.removeLast()
        page.update(to: snapshot, now: Fixtures.now)

        let reference = MetricsRenderer.render(snapshot, process: Fixtures.process, now: Fixtures.now, format: format)
        let process = MetricsRenderer.renderProcessFamilies(Fixtures.process, format: format)
        #expect(Self.bytes(page.plain()) + process == reference)
        let made = page.gzip()
        let gzip = try #require(made)
        let member = Self.bytes(gzip.parts) + (try #require(gzip.body(tail: process)))
        #expect(try Inflate.gunzip(member) == reference)
    }

    @Test("the kept page has no room to grow: every group it sends and every gzip piece is exactly its size")
    func keptBuffersAreExactlyTheirSize() throws {
        var page = StorePage(format: .prometheusText)
        page.update(to: Fixtures.big(targets: 12, jobsPerTarget: 25), now: Fixtures.now)
        let groups = page.plain()
        let made = page.gzip()
        let gzip = try #require(made)
        // A ByteBuffer of its own rounds its capacity up to a power of two: at 10,000 jobs that
        // was 33 MB of heap for a 22.6 MiB page. The gzip header (first part) is shared, not kept.
        let kept = groups + gzip.parts.dropFirst()
        #expect(groups.count > 1 && gzip.parts.count > 2)
        for (index, buffer) in kept.enumerated() {
            #expect(buffer.capacity == buffer.readableBytes, "buffer \(index) of \(kept.count)")
        }
    }

    @Test("the golden snapshot assembles to the golden page's bytes in both formats", arguments: formats)
    func goldenSnapshotAssemblesToTheReference(format: ExpositionFormat) {
        var page = StorePage(format: format)
        page.update(to: Fixtures.golden, now: Fixtures.now)
        let process = MetricsRenderer.renderProcessFamilies(Fixtures.process, format: format)
        #expect(Self.bytes(page.plain()) + process
                == MetricsRenderer.render(Fixtures.golden, process: Fixtures.process, now: Fixtures.now, format: format))
    }

    @Test("targets added, removed and reordered assemble in the new snapshot's order")
    func targetsAddedRemovedAndReordered() {
        var page = StorePage(format: .prometheusText)
        var snapshot = Fixtures.big(targets: 6, jobsPerTarget: 4)
        page.update(to: snapshot, now: Fixtures.now)
        let added = Fixtures.big(targets: 8, jobsPerTarget: 3).targets[7]
        snapshot.targets = [snapshot.targets[4], added, snapshot.targets[0], snapshot.targets[2]]
        page.update(to: snapshot, now: Fixtures.now)

        #expect(page.targetRenders == 6 + 1, "only the added target is new")
        #expect(Self.bytes(page.plain())
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
        #expect(Self.bytes(page.plain()) == Self.storePart(snapshot, now: Fixtures.now), "within maxAge the kept duration stands")

        page.update(to: snapshot, now: Fixtures.now + 30)
        #expect(page.durationRenders == 1)
        #expect(page.targetRenders == 4)
        #expect(Self.bytes(page.plain()) == Self.storePart(snapshot, now: Fixtures.now + 30))
        let text = String(decoding: Self.bytes(page.plain()), as: UTF8.self)
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

    static func bytes(_ buffers: [ByteBuffer]) -> [UInt8] {
        buffers.reduce(into: []) { $0 += $1.readableBytesView }
    }
}

/// The reference page without its closing part.
private func - (page: [UInt8], suffix: [UInt8]) -> [UInt8] {
    precondition(page.suffix(suffix.count).elementsEqual(suffix))
    return Array(page.dropLast(suffix.count))
}
