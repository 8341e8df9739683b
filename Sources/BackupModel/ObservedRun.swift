/// One run of a job as an adapter saw it, already normalised.
///
/// Times are Unix seconds, sizes bytes, progress a percentage from 0 to 100 (the exposition
/// divides by 100). Optional values are absent when the vendor does not report them; adapters
/// never invent them.
public struct ObservedRun: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var state: JobState
    public var progressPercent: Double?
    public var startTime: Double?
    public var endTime: Double?
    /// The vendor's own duration when it reports one; otherwise derived from start and end.
    public var durationSeconds: Double?
    public var sizeBytes: Double?
    /// Items the run processed (files, mailboxes, objects) where the vendor counts them. Some
    /// vendors (Veeam) report only this and no percentage; it is never turned into one.
    public var objectCount: Double?
    /// The vendor's raw status word, kept for `/status` and for the one log line an `unknown`
    /// state deserves. It is not a label.
    public var vendorStatus: String?
    /// The vendor's own words about why a run failed or warned (i-net task errors, a Commvault
    /// failure reason, a Veeam session's details, Unitrends output), already bounded by
    /// `VendorMessage.bounded` and free of the target's secrets. Free text: it goes to the journal
    /// and `/status`, never into a metric label.
    public var vendorMessage: String?

    public init(
        id: String, state: JobState, progressPercent: Double? = nil, startTime: Double? = nil,
        endTime: Double? = nil, durationSeconds: Double? = nil, sizeBytes: Double? = nil,
        objectCount: Double? = nil, vendorStatus: String? = nil, vendorMessage: String? = nil
    ) {
        self.id = id
        self.state = state
        self.progressPercent = progressPercent
        self.startTime = startTime
        self.endTime = endTime
        self.durationSeconds = durationSeconds
        self.sizeBytes = sizeBytes
        self.objectCount = objectCount
        self.vendorStatus = vendorStatus
        self.vendorMessage = vendorMessage
    }

    /// Progress as the model defines it: a finished successful run always reads 100, and a
    /// reported value outside 0...100 is clamped.
    public var normalisedProgress: Double? {
        if state == .succeeded || state == .warning { return 100 }
        guard let progressPercent, progressPercent.isFinite else { return nil }
        return min(100, max(0, progressPercent))
    }

    /// True when `duration(now:)` is the time elapsed since the start: the one value of a run
    /// that moves with the scrape's clock rather than with a poll, so a page rendered earlier is
    /// stale in it alone.
    public var durationFollowsClock: Bool {
        durationSeconds == nil && startTime != nil && state != .waiting && !state.isFinished && state != .unknown
    }

    /// Duration of the run: the vendor's own figure, else end minus start, else (while running)
    /// the time elapsed since start as of `now`. A waiting run has none: queueing is not running.
    public func duration(now: Double) -> Double? {
        if let durationSeconds { return durationSeconds }
        guard let startTime, state != .waiting else { return nil }
        // A vendor may leave a stale end time on a run that restarted: only a finished run's end counts.
        if state.isFinished || state == .unknown {
            return endTime.map { max(0, $0 - startTime) }
        }
        return max(0, now - startTime)
    }
}

/// A job as one poll saw it: its stable id and display name, and the runs the vendor listed for
/// it, newest first. The first run is the job's "last run"; the others only feed the history
/// (last success, last failure, runs counted by result).
public struct ObservedJob: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var runs: [ObservedRun]
    /// Whether the vendor will start the job on its schedule; nil where the vendor does not say.
    /// A disabled job is not overdue, however old its last success.
    public var enabled: Bool?
    /// When the vendor will start the job next (Unix seconds); nil where the vendor does not say.
    public var nextRunTime: Double?
    /// The last run as the job's own definition summarises it (Veeam's `lastStatus` and
    /// `lastRun`), for a job listed with no run in the answer because its sessions were purged or
    /// fell out of the window. Shown and used for the last success or failure time when `runs`
    /// is empty and the store holds no run of the job; never counted, since its id is not the
    /// vendor's run id and counting it could count a run twice.
    public var summaryRun: ObservedRun?

    public init(
        id: String, name: String, runs: [ObservedRun], enabled: Bool? = nil, nextRunTime: Double? = nil,
        summaryRun: ObservedRun? = nil
    ) {
        self.id = id
        self.name = name
        self.runs = runs
        self.enabled = enabled
        self.nextRunTime = nextRunTime
        self.summaryRun = summaryRun
    }
}
