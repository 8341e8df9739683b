import BackupModel
import NIOCore

/// The store's part of the metrics page (everything before the `process_*` families), kept as
/// one fragment per target and family so that a change to one target re-renders that target's
/// samples only, not the whole page, and held between scrapes compressed (and plain too while
/// the page is small).
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
/// - Fragments are compressed in groups of neighbours (`groupBytes`) into `GzipPiece`s, and once
///   a group is compressed its fragments' plain bytes are let go: the page keeps the pieces only
///   (a bench page compresses about 20:1; at 100,000 jobs 10.6 MiB instead of 254 MiB). A plain
///   scrape inflates the pieces as it sends them, as nginx's `gunzip` does for clients that do
///   not take gzip.
/// - Except up to a budget: pieces are also kept plain up to `plainBudget` bytes in all, and a
///   plain scrape sends those as they are. Inflating on every scrape cost a small page half its
///   plain scrape rate (bench, 1,000 jobs: 462 scrapes/s against 1,112), and a 10,000-job page
///   nearly as much (0.49 of nginx with 8 MiB of it kept plain, 0.79 with all of it): not worth
///   the memory it saves there; at 100,000 jobs it saves most of the RSS. The kept plain bytes live
///   in mappings of their own (`ExactBuffer.Memory.ownMapping`) so that replacing them frees them.
/// - A change costs its fragments' groups: each is inflated, its changed fragments put in, and
///   compressed again (on the next `gzip()`); the other groups' pieces are kept as they are.
public struct StorePage: Sendable {
    public let format: ExpositionFormat
    public let maxAge: Double
    /// Plain bytes the pieces may keep in all (`GzipPiece.plain`): a piece compressed (again)
    /// keeps its plain bytes only if they fit beside those the other pieces keep.
    public let plainBudget: Int
    /// The default `plainBudget`: a page of about 13,000 bench jobs (2.5 KiB a job) is kept plain
    /// whole. Bench run E of 2026-12-05: RSS at 10,000 jobs 75 MB (goal 80), at 100,000 jobs
    /// 336 MB (goal 400); 8 MiB kept 66 and 292 MB but served plain at 0.49 of nginx.
    public static let defaultPlainBudget = 32 * 1024 * 1024

    /// Targets rendered whole since this page was made (new or changed targets). Counted so that
    /// tests can check what a change costs without timing it.
    public private(set) var targetRenders = 0
    /// Duration families rendered again because their runs' elapsed time moved on.
    public private(set) var durationRenders = 0
    /// Groups of fragments compressed since this page was made.
    public private(set) var groupCompressions = 0

    /// Consecutive fragments in page order compressed as one piece.
    private struct Group: Sendable {
        var range: Range<Int>
        /// Nil until the group is first compressed.
        var piece: GzipPiece?
        /// Each fragment's length in `piece`, in page order: where to find the fragments that did
        /// not change when the piece is inflated to put in the ones that did.
        var lengths: [Int] = []
        /// Fragments rendered again since `piece` was made; theirs are the bytes kept in the
        /// target's fragment list, everyone else's are in `piece`.
        var changed: Set<Int> = []

        var isCurrent: Bool { piece != nil && changed.isEmpty }
    }

    /// Fragments are compressed in groups of about this many bytes, in page order: deflate's
    /// window is 32 KiB, so a piece this large compresses almost as well as the whole page, while
    /// a fragment of a few hundred bytes compressed alone barely shrinks. A changed fragment costs
    /// its group's inflation and compression, not more.
    public static let groupBytes = 32 * 1024

    private struct TargetFragments: Sendable {
        var snapshot: TargetSnapshot
        /// One per `MetricsRenderer.StoreFamily.all`, in that order; empty once its group holds it.
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
    /// `gzip()` groups the page again. Headers and the exporter's fragment are always kept plain
    /// (they are small); target fragments are kept plain only until their group is compressed.
    private var groups: [Group] = []
    private var groupOf: [Int] = []
    /// The assembled page, kept until a fragment changes.
    private var assembled: GzipPage?

    public init(format: ExpositionFormat, maxAge: Double = 1, plainBudget: Int = defaultPlainBudget) {
        self.format = format
        self.maxAge = maxAge
        self.plainBudget = plainBudget
        headers = MetricsRenderer.storeFamilyHeaders(format: format).map { ByteBuffer(bytes: $0) }
    }

    /// Bytes of target fragments held plain outside the pieces: those rendered since the last
    /// `gzip()`. Zero after it; everything else the page holds is its pieces (and the plain bytes
    /// they keep, within `plainBudget`) and the (small) headers.
    public var plainBytesHeld: Int {
        targets.reduce(0) { sum, target in target.families.reduce(sum) { $0 + $1.readableBytes } }
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
            // Fragments are renumbered: take every kept fragment out of its piece first.
            unpackAll()
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
        if changed { assembled = nil }
    }

    /// The page as the start of one gzip member, its pieces also the plain page. Compresses the
    /// groups of fragments that changed since the last call, and only those; nil only when zlib
    /// cannot allocate its state (the page is then as it was, and the next call tries again).
    public mutating func gzip() -> GzipPage? {
        if let assembled { return assembled }
        let fragments = allFragments()
        var rebuilt = groups.isEmpty
        if rebuilt { groups = Self.grouping(fragments.map(\.readableBytes), in: 0..<fragments.count) }
        var next: [Group] = []
        next.reserveCapacity(groups.count)
        // The plain bytes kept by pieces that stay; rebuilt pieces keep theirs while this allows.
        var keptPlain = groups.reduce(0) { $0 + ($1.isCurrent ? $1.piece?.plain?.readableBytes ?? 0 : 0) }
        var compressed: [Range<Int>] = []
        for group in groups {
            guard !group.isCurrent else {
                next.append(group)
                continue
            }
            guard let parts = restored(group, fragments) else { return nil }
            // A group that grew far beyond its size (targets that had no jobs yet when it was
            // made) is split, so one change does not cost a large part of the page.
            let total = parts.reduce(0) { $0 + $1.readableBytes }
            let ranges = group.range.count > 1 && total > 4 * Self.groupBytes
                ? Self.grouping(parts.map(\.readableBytes), in: 0..<parts.count).map(\.range)
                : [0..<parts.count]
            for range in ranges {
                let slice = parts[range]
                let length = slice.reduce(0) { $0 + $1.readableBytes }
                let keep = keptPlain + length <= plainBudget
                guard let piece = GzipPiece(slice, keepingPlain: keep) else { return nil }
                if keep { keptPlain += length }
                let lower = group.range.lowerBound
                let numbers = (lower + range.lowerBound)..<(lower + range.upperBound)
                next.append(Group(range: numbers, piece: piece, lengths: slice.map(\.readableBytes)))
                compressed.append(numbers)
                groupCompressions += 1
            }
            rebuilt = rebuilt || ranges.count > 1
        }
        // Only now that every piece is made: the compressed groups' plain fragments go (each
        // target's buffer is freed once none of its fragments is left), and the page holds its
        // pieces only.
        for range in compressed {
            for number in range { releaseFragment(number) }
        }
        groups = next
        if rebuilt {
            groupOf = Array(repeating: 0, count: fragments.count)
            for (index, group) in groups.enumerated() {
                for fragment in group.range { groupOf[fragment] = index }
            }
        }
        let page = GzipPage(pieces: groups.compactMap(\.piece))
        assembled = page
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

    /// The target and family of fragment `number`; nil for a header or the exporter's.
    private func targetFragment(_ number: Int) -> (target: Int, family: Int)? {
        let (family, position) = number.quotientAndRemainder(dividingBy: targets.count + 1)
        guard family < headers.count, position > 0 else { return nil }
        return (position - 1, family)
    }

    /// Empties target fragment `number`: its bytes are in its group's piece.
    private mutating func releaseFragment(_ number: Int) {
        guard let (target, family) = targetFragment(number), targets[target].families[family].readableBytes > 0 else { return }
        targets[target].families[family] = ByteBuffer()
    }

    /// The fragments of `group` in order: the changed ones (and headers, and the exporter's) as
    /// kept, the others out of the group's inflated piece. Nil when zlib cannot inflate.
    private func restored(_ group: Group, _ fragments: [ByteBuffer]) -> [ByteBuffer]? {
        guard let piece = group.piece else { return Array(fragments[group.range]) }
        guard let inflated = piece.inflated() else { return nil }
        var offset = inflated.readerIndex
        var parts: [ByteBuffer] = []
        parts.reserveCapacity(group.range.count)
        for (number, length) in zip(group.range, group.lengths) {
            if targetFragment(number) == nil || group.changed.contains(number) {
                parts.append(fragments[number])
            } else {
                parts.append(inflated.getSlice(at: offset, length: length) ?? ByteBuffer())
            }
            offset += length
        }
        return parts
    }

    /// Puts every fragment kept in a piece back into its target's list, before the fragments are
    /// renumbered. If zlib cannot inflate, the targets are dropped and rendered again.
    private mutating func unpackAll() {
        let fragments = allFragments()
        for group in groups where group.piece != nil {
            guard let parts = restored(group, fragments) else {
                targets = []
                return
            }
            for (number, part) in zip(group.range, parts) {
                guard let (target, family) = targetFragment(number) else { continue }
                targets[target].families[family] = part
            }
        }
    }

    /// Marks fragment `number` as rendered again: its group is compressed again on the next `gzip()`.
    private mutating func markChanged(fragment number: Int) {
        guard number < groupOf.count, groupOf[number] < groups.count else { return }
        groups[groupOf[number]].changed.insert(number)
    }

    /// Consecutive fragments of `range` (their `sizes`) in groups of at least `groupBytes` (the
    /// last may be smaller).
    private static func grouping(_ sizes: [Int], in range: Range<Int>) -> [Group] {
        var groups: [Group] = []
        var start = range.lowerBound
        var bytes = 0
        for index in range {
            bytes += sizes[index]
            if bytes >= groupBytes || index == range.upperBound - 1 {
                groups.append(Group(range: start..<(index + 1)))
                start = index + 1
                bytes = 0
            }
        }
        return groups
    }

    private mutating func render(_ target: TargetSnapshot, now: Double) -> TargetFragments {
        targetRenders += 1
        let (bytes, ends) = MetricsRenderer.renderTarget(target, now: now, format: format)
        // One buffer per target; the fragments are slices of it and share its storage until
        // `gzip()` compresses them into their groups. An empty fragment is an empty buffer, not
        // an empty slice: a slice would keep the whole target's buffer alive.
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
