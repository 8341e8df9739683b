import BackupModel
import NIOCore

/// The store's part of the metrics page (everything before the `process_*` families), kept as
/// one fragment per target and family so that a change to one target re-renders that target's
/// samples only, not the whole page.
///
/// The page is assembled family by family, as the formats require: each family's `# HELP` and
/// `# TYPE`, then every target's fragment of it in snapshot order; then the exporter's own
/// families. The bytes are exactly `MetricsRenderer.render`'s for the same snapshot and `now`
/// (without the `process_*` families), which the tests check against that reference.
///
/// What a reader could get wrong:
/// - A target is re-rendered when its `TargetSnapshot` differs from the one its fragments were
///   rendered from. The store keeps an unchanged target's job list as the same array, so the
///   comparison of an unchanged target is a pointer check, not a walk over its jobs.
/// - The duration of a run still in progress is computed from `now`. A target holding such a run
///   has its duration fragment (that one family only) rendered again once it is `maxAge` old,
///   so that family is at most `maxAge` stale, as the whole kept page used to be.
/// - Fragments are sent and compressed in groups of neighbours (`groupBytes`): a change costs
///   its fragments' groups, joined and compressed again (on the first `gzip()` after it), and
///   the other groups' bytes and pieces are kept.
/// - It holds about the page's size in memory (plus the compressed pieces once gzip is asked
///   for): that is what saves the re-render. Once a group is joined its fragments are slices of
///   the joined buffer, so the page is not held twice.
public struct StorePage: Sendable {
    public let format: ExpositionFormat
    public let maxAge: Double

    /// Targets rendered whole since this page was made (new or changed targets). Counted so that
    /// tests can check what a change costs without timing it.
    public private(set) var targetRenders = 0
    /// Duration families rendered again because their runs' elapsed time moved on.
    public private(set) var durationRenders = 0
    /// Groups of fragments compressed since this page was made.
    public private(set) var groupCompressions = 0

    /// Consecutive fragments in page order sent and compressed as one unit.
    private struct Group: Sendable {
        var range: Range<Int>
        /// The fragments joined (or the one fragment itself); nil while a fragment in it changed.
        var plain: ByteBuffer?
        var gzip: GzipPiece?
    }

    /// Fragments are joined into groups of about this many bytes, in page order: deflate's
    /// window is 32 KiB, so a piece this large compresses almost as well as the whole page, while
    /// a fragment of a few hundred bytes compressed alone barely shrinks. A changed fragment costs
    /// its group's copy and compression, not more.
    public static let groupBytes = 32 * 1024

    private struct TargetFragments: Sendable {
        var snapshot: TargetSnapshot
        /// One per `MetricsRenderer.StoreFamily.all`, in that order.
        var families: [ByteBuffer]
        /// When the duration fragment was rendered, if one of its runs' durations follows the clock.
        var clockedAt: Double?
    }

    private let headers: [ByteBuffer]
    private var targets: [TargetFragments] = []
    /// The exporter's families and the snapshot (without targets) they were rendered from.
    private var exporter: (snapshot: ExporterSnapshot, fragment: ByteBuffer)?
    /// The page's fragments in page order are numbered: family `f`'s header is `f * (T + 1)`,
    /// target `t`'s fragment of it `f * (T + 1) + 1 + t`, the exporter's last. Groups are ranges
    /// of those numbers, kept while the list of targets stays the same; empty until the next
    /// `plain()` groups the page again.
    private var groups: [Group] = []
    private var groupOf: [Int] = []
    /// The assembled page, kept until a fragment changes.
    private var assembledPlain: [ByteBuffer]?
    private var assembledGzip: GzipPage?

    public init(format: ExpositionFormat, maxAge: Double = 1) {
        self.format = format
        self.maxAge = maxAge
        headers = MetricsRenderer.storeFamilyHeaders(format: format).map { ByteBuffer(bytes: $0) }
    }

    /// True when an `update` at `now` would re-render a duration that follows the clock (or
    /// before the first update): a caller whose store has not changed may skip the update otherwise.
    public func isStale(at now: Double) -> Bool {
        exporter == nil || targets.contains { $0.clockedAt.map { isOld($0, at: now) } ?? false }
    }

    /// Brings the page to `snapshot` as of `now`: renders the targets that are new or changed,
    /// and the duration fragments that are `maxAge` old; keeps everything else.
    public mutating func update(to snapshot: ExporterSnapshot, now: Double) {
        let sameList = snapshot.targets.count == targets.count
            && zip(targets, snapshot.targets).allSatisfy { $0.snapshot.name == $1.name }
        var byName: [String: Int] = [:]
        if !sameList {
            groups = []
            for (index, kept) in targets.enumerated() { byName[kept.snapshot.name] = index }
        }
        var changed = !sameList
        var next: [TargetFragments] = []
        next.reserveCapacity(snapshot.targets.count)
        let durationIndex = MetricsRenderer.StoreFamily.durationIndex
        for (position, target) in snapshot.targets.enumerated() {
            let index = sameList ? Optional(position) : byName.removeValue(forKey: target.name)
            guard let index, targets[index].snapshot == target else {
                next.append(render(target, now: now))
                changed = true
                for family in headers.indices { markChanged(fragment: number(family: family, target: position)) }
                continue
            }
            var kept = targets[index]
            if let clockedAt = kept.clockedAt, isOld(clockedAt, at: now) {
                let durations = MetricsRenderer.renderTargetDurations(target, now: now, format: format)
                kept.families[durationIndex] = ByteBuffer(bytes: durations)
                kept.clockedAt = now
                durationRenders += 1
                changed = true
                markChanged(fragment: number(family: durationIndex, target: position))
            }
            next.append(kept)
        }
        targets = next

        var withoutTargets = snapshot
        withoutTargets.targets = []
        if exporter?.snapshot != withoutTargets {
            let bytes = MetricsRenderer.renderExporterFamilies(snapshot, format: format)
            exporter = (withoutTargets, ByteBuffer(bytes: bytes))
            changed = true
            markChanged(fragment: headers.count * (targets.count + 1))
        }
        if changed {
            assembledPlain = nil
            assembledGzip = nil
        }
    }

    /// The page as a list of buffers to send in order, one per group of fragments: joined once per
    /// change of one of its fragments, then shared with every scrape, never copied again.
    public mutating func plain() -> [ByteBuffer] {
        if let assembledPlain { return assembledPlain }
        let fragments = allFragments()
        var rebuilt = groups.isEmpty
        if rebuilt { groups = Self.grouping(fragments, in: 0..<fragments.count) }
        // A group that grew far beyond its size (targets that had no jobs yet when it was made)
        // is split, so one change does not cost a large part of the page.
        var regrouped: [Group] = []
        var split = false
        for group in groups {
            guard group.plain == nil, group.range.count > 1,
                  Self.size(fragments, group.range) > 4 * Self.groupBytes else {
                regrouped.append(group)
                continue
            }
            regrouped += Self.grouping(fragments, in: group.range)
            split = true
        }
        if split {
            groups = regrouped
            rebuilt = true
        }
        for index in groups.indices where groups[index].plain == nil {
            let range = groups[index].range
            // Copied into a buffer of their own, even a lone fragment (a slice of its target's
            // buffer would keep all of it alive), and exactly their size: the page keeps it.
            let joined = ExactBuffer.joining(fragments[range])
            groups[index].plain = joined
            // The fragments now point into the joined buffer, so each target's own buffer is
            // freed and the page is held once, not twice.
            var offset = joined.readerIndex
            for number in range where fragments[number].readableBytes > 0 {
                let length = fragments[number].readableBytes
                if let slice = joined.getSlice(at: offset, length: length) { replaceFragment(number, with: slice) }
                offset += length
            }
        }
        if rebuilt {
            groupOf = Array(repeating: 0, count: fragments.count)
            for (index, group) in groups.enumerated() {
                for fragment in group.range { groupOf[fragment] = index }
            }
        }
        let parts = groups.compactMap { $0.plain.flatMap { $0.readableBytes > 0 ? $0 : nil } }
        assembledPlain = parts
        return parts
    }

    /// The page as the start of one gzip member. Compresses the groups of fragments that changed
    /// since the last call, and only those; nil only when zlib cannot allocate its state.
    public mutating func gzip() -> GzipPage? {
        if let assembledGzip { return assembledGzip }
        _ = plain()
        for index in groups.indices where groups[index].gzip == nil {
            guard let plain = groups[index].plain, plain.readableBytes > 0 else { continue }
            guard let piece = GzipPiece(plain) else { return nil }
            groups[index].gzip = piece
            groupCompressions += 1
        }
        let page = GzipPage(pieces: groups.compactMap(\.gzip))
        assembledGzip = page
        return page
    }

    // MARK: - Private

    /// Every fragment in page order, empty ones included, numbered as `groups` count them.
    private func allFragments() -> [ByteBuffer] {
        var fragments: [ByteBuffer] = []
        fragments.reserveCapacity(headers.count * (targets.count + 1) + 1)
        for (family, header) in headers.enumerated() {
            fragments.append(header)
            for target in targets { fragments.append(target.families[family]) }
        }
        fragments.append(exporter?.fragment ?? ByteBuffer())
        return fragments
    }

    private func number(family: Int, target: Int) -> Int {
        family * (targets.count + 1) + 1 + target
    }

    /// Sets target fragment `number` (headers and the exporter's are left as they are).
    private mutating func replaceFragment(_ number: Int, with bytes: ByteBuffer) {
        let (family, position) = number.quotientAndRemainder(dividingBy: targets.count + 1)
        guard family < headers.count, position > 0 else { return }
        targets[position - 1].families[family] = bytes
    }

    /// Drops the joined and compressed bytes of the group holding fragment `number`.
    private mutating func markChanged(fragment number: Int) {
        guard number < groupOf.count, groupOf[number] < groups.count else { return }
        groups[groupOf[number]].plain = nil
        groups[groupOf[number]].gzip = nil
    }

    /// Consecutive fragments of `range` in groups of at least `groupBytes` (the last may be smaller).
    private static func grouping(_ fragments: [ByteBuffer], in range: Range<Int>) -> [Group] {
        var groups: [Group] = []
        var start = range.lowerBound
        var bytes = 0
        for index in range {
            bytes += fragments[index].readableBytes
            if bytes >= groupBytes || index == range.upperBound - 1 {
                groups.append(Group(range: start..<(index + 1)))
                start = index + 1
                bytes = 0
            }
        }
        return groups
    }

    private static func size(_ fragments: [ByteBuffer], _ range: Range<Int>) -> Int {
        fragments[range].reduce(0) { $0 + $1.readableBytes }
    }

    private mutating func render(_ target: TargetSnapshot, now: Double) -> TargetFragments {
        targetRenders += 1
        let (bytes, ends) = MetricsRenderer.renderTarget(target, now: now, format: format)
        // One buffer per target; the fragments are slices of it and share its storage until
        // `plain()` copies them into their groups. An empty fragment is an empty buffer, not an
        // empty slice: `plain()` has nothing of it to copy, and a slice would keep the whole
        // target's buffer alive for as long as the family stays empty (at 10,000 jobs that was
        // most of the targets' buffers: 60 MB in use for a 26 MB page).
        let buffer = ByteBuffer(bytes: bytes)
        var start = 0
        let families = ends.map { end in
            defer { start = end }
            guard end > start else { return ByteBuffer() }
            return buffer.getSlice(at: start, length: end - start) ?? ByteBuffer(bytes: bytes[start..<end])
        }
        let clocked = target.jobs.contains { $0.lastRun?.durationFollowsClock ?? false }
        return TargetFragments(snapshot: target, families: families, clockedAt: clocked ? now : nil)
    }

    /// A clock that went back counts as old too: the kept durations could be ahead of it.
    private func isOld(_ time: Double, at now: Double) -> Bool {
        now < time || now - time >= maxAge
    }
}
