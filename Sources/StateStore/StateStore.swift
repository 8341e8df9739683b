import BackupModel
import FoundationEssentials
import Glibc

/// Every target's health and every job's last run and history, in memory for the exposition and
/// persisted in `<directory>/state.sqlite` so that a restart, crash or power cut loses nothing
/// that a poll method already returned.
///
/// Durability: WAL with `synchronous=FULL`, one transaction per poll, committed before the poll
/// method returns. The one deliberate exception is a target's last success time, written at most
/// once per 60 seconds per target (and on `close()`): it changes on every poll, and an fsync per
/// poll per target buys an operator nothing, so a power cut can cost up to a minute of it.
///
/// A failed write never throws out of a poll method: the change stays in memory, is retried with
/// the next write, and is counted in `ExporterSnapshot.stateWriteErrors`. A connection that failed
/// a write is not trusted: at most every `reopenInterval` the store closes it and opens the path
/// again, and a database file or directory deleted while open is recreated at once. Either way the
/// next write after a reopen rewrites everything held in memory, so a file system that went
/// read-only and was replaced, or a deleted file, ends up with the full state again.
///
/// Poll results for a target that is not configured (a reload removed it while its poll ran) are
/// ignored.
public actor StateStore {
    /// How long a target's last success time may wait in memory before it is written.
    static let targetWriteInterval: Double = 60
    /// How often a connection that failed a write is replaced by a fresh one while writes fail.
    /// Opening runs `PRAGMA quick_check`, which reads the whole file: not on every poll.
    static let reopenInterval: Double = 5

    let directory: String
    let databasePath: String
    private let now: @Sendable () -> Double
    private let build: BuildInfo
    // Nil after close(). Both are released with the actor, like the kernel would on a crash.
    private var database: SQLiteDatabase?
    private var lock: InstanceLock?

    /// The held state and its rules; this actor adds the database and the snapshot cache.
    private var ledger = StateLedger()
    private var config = ConfigStatus(lastReloadSuccessful: false, lastReloadSuccessTime: nil)
    private var stateWriteErrors: UInt64 = 0
    private var shard: ShardStatus?
    private var isClosed = false
    private var reopenDue = false
    private var lastReopenAttempt: Double?
    private var writeHealthChanges: [WriteHealthChange] = []
    /// Each target's jobs as `snapshot()` shows them, kept until a poll of that target succeeds
    /// or a reload (which may change max ages): sorting every target's jobs on every snapshot
    /// cost, at 10,000 jobs, more than the poll that changed one target's.
    private var jobSnapshots: [String: [JobSnapshot]] = [:]

    /// Bumps on every call that may change what `snapshot()` returns, so a caller can cache the
    /// rendered page per version. It may bump without a visible change, never the reverse.
    public private(set) var version: UInt64 = 0

    /// The last failed write's message (path and SQLite's words), nil again once a write succeeds.
    public private(set) var lastWriteError: String?

    /// Opens or creates the store in `directory` (created if missing) and takes its lock.
    ///
    /// Throws, and leaves the files as they are, when another process (or another store in this
    /// process) holds the directory, when the database cannot be opened or fails its quick check,
    /// or when its schema is newer than this build.
    public init(
        directory: String, build: BuildInfo,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws(StoreError) {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let (lock, database) = try Self.openFiles(in: base, keeping: nil)
        self.directory = base
        self.databasePath = database.path
        self.lock = lock
        self.database = database
        self.build = build
        self.now = clock
    }

    /// `mkdir -p`, with the mode the umask leaves of 0777 as `mkdir(1)` does; the errno of the
    /// first component that cannot be made, or nil.
    private static func makeDirectories(_ path: String) -> Int32? {
        var built = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            built += component
            if mkdir(built, 0o777) != 0, errno != EEXIST { return errno }
            built += "/"
        }
        return nil
    }

    /// Creates the directory if missing, takes its lock unless `lock` still holds it, and opens
    /// and prepares the database.
    private static func openFiles(in directory: String, keeping lock: InstanceLock?) throws(StoreError) -> (InstanceLock, SQLiteDatabase) {
        if let code = makeDirectories(directory) {
            throw StoreError(path: directory, message: "cannot create the state directory: \(InstanceLock.systemMessage(code))")
        }
        let lock = if let lock, lock.isStillAtPath { lock } else { try InstanceLock(path: directory + "/lock") }
        let database = try SQLiteDatabase(path: directory + "/state.sqlite")
        try Self.prepare(database)
        return (lock, database)
    }

    /// Checks the file before anything writes to it, then sets the durability the store promises.
    private static func prepare(_ database: SQLiteDatabase) throws(StoreError) {
        // Read-only, and the first statement that touches the file: garbage fails here unchanged.
        let check = try database.query("PRAGMA quick_check").compactMap { $0.first?.text }
        guard check == ["ok"] else {
            throw StoreError(path: database.path, message: "integrity check failed: " + check.prefix(5).joined(separator: "; "))
        }
        guard !database.isReadOnly else {
            throw StoreError(path: database.path, message: "the file or its directory is read-only")
        }
        let mode = try database.query("PRAGMA journal_mode = WAL").first?.first?.text
        guard mode == "wal" else {
            throw StoreError(path: database.path, message: "cannot switch to WAL journaling (got \(mode ?? "nothing")); is the file system local?")
        }
        // NORMAL would only sync the WAL at checkpoints: a power cut could lose committed polls.
        try database.execute("PRAGMA synchronous = FULL")
        database.setBusyTimeout(milliseconds: 250)
        try StoreSchema.migrate(database)
    }

    /// Sets the targets the snapshot shows, in this order. Persisted rows of a target not held in
    /// memory yet are loaded now, so its jobs reappear right after a restart, before its first poll.
    public func configure(targets: [TargetIdentity]) {
        version += 1
        jobSnapshots.removeAll()
        var names = Set<String>()
        ledger.configured = targets.filter { names.insert($0.name).inserted }
        for identity in ledger.configured where ledger.records[identity.name] == nil {
            ledger.records[identity.name] = loadTarget(identity.name)
        }
    }

    public func pollStarted(target: String) {
        guard ledger.pollStarted(target: target) else { return }
        version += 1
    }

    /// Records a successful poll and returns what an operator should hear about (the rules are
    /// `StateLedger.pollSucceeded`'s), then writes what changed.
    public func pollSucceeded(target: String, jobs: [ObservedJob], duration: Double) -> [StateChange] {
        let time = now()
        guard let changes = ledger.pollSucceeded(target: target, jobs: jobs, duration: duration, at: time) else { return [] }
        version += 1
        jobSnapshots[target] = nil
        flush(at: time, includingThrottled: false)
        return changes
    }

    /// Records a failed poll (`StateLedger.pollFailed`). Nothing new to write, but a throttled
    /// or failed earlier write may be due.
    public func pollFailed(target: String, error: PollError, duration: Double) -> [StateChange] {
        let time = now()
        guard let changes = ledger.pollFailed(target: target, error: error, duration: duration, at: time) else { return [] }
        version += 1
        flush(at: time, includingThrottled: false)
        return changes
    }

    /// This instance's share of the config, for the exporter's own families.
    public func setShard(_ shard: ShardStatus) {
        version += 1
        self.shard = shard
    }

    public func setConfigStatus(successful: Bool) {
        version += 1
        config.lastReloadSuccessful = successful
        if successful {
            config.lastReloadSuccessTime = now()
        }
    }

    public func snapshot() -> ExporterSnapshot {
        var targets: [TargetSnapshot] = []
        targets.reserveCapacity(ledger.configured.count)
        for identity in ledger.configured {
            guard let record = ledger.records[identity.name] else { continue }
            let jobs = jobSnapshots[identity.name] ?? record.jobs
                .filter { $0.value.row.listed }
                .sorted { $0.key < $1.key }
                .map {
                    JobSnapshot(id: $0.key, name: $0.value.row.name, lastRun: $0.value.row.lastRun, history: $0.value.row.history,
                                maxAgeSeconds: identity.jobMaxAge[$0.key] ?? identity.maxAge,
                                enabled: $0.value.row.enabled, nextRunTime: $0.value.row.nextRunTime)
                }
            jobSnapshots[identity.name] = jobs
            targets.append(TargetSnapshot(
                name: identity.name, vendor: identity.vendor, health: record.health, pollsTotal: record.pollsTotal,
                pollErrors: record.pollErrors, jobs: jobs))
        }
        return ExporterSnapshot(targets: targets, config: config, build: build, stateWriteErrors: stateWriteErrors, shard: shard)
    }

    /// Writes everything pending, throttled last success times included, then closes the
    /// database and releases the lock. Later poll results stay in memory only and count as
    /// failed writes.
    public func close() {
        guard !isClosed else { return }
        version += 1
        flush(at: now(), includingThrottled: true)
        isClosed = true
        database = nil
        lock = nil
    }

    /// Changes in whether writes work since the last call, oldest first: for the daemon to log a
    /// failure once (and again if its cause changes) and its end, not every failed poll.
    public func takeWriteHealthChanges() -> [WriteHealthChange] {
        defer { writeHealthChanges.removeAll() }
        return writeHealthChanges
    }

    /// Writes what is pending in one transaction. Target rows wait for `targetWriteInterval`
    /// unless `includingThrottled`. On failure everything stays pending for the next call.
    private func flush(at time: Double, includingThrottled: Bool) {
        var dueTargets = dueTargets(at: time, includingThrottled: includingThrottled)
        guard !ledger.pending.jobs.isEmpty || !dueTargets.isEmpty else { return }
        guard !isClosed else {
            recordWriteFailure("\(databasePath): the store is closed; the change is kept in memory only")
            return
        }
        if let database, database.fileHasMoved() {
            // SQLite would go on writing "successfully" into the unlinked file.
            recordWriteFailure("\(databasePath): the database file was deleted or replaced while open; recreating it from memory")
            self.database = nil
            reopenDue = true
            lastReopenAttempt = nil
        }
        if reopenDue, lastReopenAttempt.map({ time - $0 >= Self.reopenInterval }) ?? true {
            lastReopenAttempt = time
            // The old connection goes first, so its WAL is checkpointed and removed before a new one starts.
            database = nil
            do {
                (lock, database) = try Self.openFiles(in: directory, keeping: lock)
            } catch {
                recordWriteFailure(error.description)
                return
            }
            reopenDue = false
            markEverythingPending()
            dueTargets = ledger.pending.targets
        }
        guard let database else {
            recordWriteFailure(lastWriteError ?? "\(databasePath): the database is not open")
            return
        }
        let jobs = ledger.pending.jobs
        do {
            try database.transaction { () throws(StoreError) in
                for name in dueTargets {
                    try PersistedRows.writeTarget(name, lastSuccessTime: ledger.records[name]?.health.lastSuccessTime, to: database)
                }
                for key in jobs {
                    guard let record = ledger.records[key.target]?.jobs[key.job] else { continue }
                    try PersistedRows.writeJob(
                        target: key.target, id: key.job, record: record, newlyCounted: ledger.pending.countedRuns[key] ?? [],
                        to: database)
                }
            }
        } catch {
            let cause = WriteProbe.failure(in: directory).map { "; writing in \(directory) fails: \($0)" } ?? ""
            recordWriteFailure(error.description + cause)
            reopenDue = true
            return
        }
        ledger.pending.jobs.removeAll()
        ledger.pending.countedRuns.removeAll()
        for name in dueTargets {
            ledger.pending.targets.remove(name)
            ledger.records[name]?.lastSuccessWrittenAt = time
        }
        if lastWriteError != nil {
            noteWriteHealth(.resumed)
        }
        lastWriteError = nil
    }

    private func dueTargets(at time: Double, includingThrottled: Bool) -> Set<String> {
        ledger.pending.targets.filter { name in
            guard !includingThrottled, let written = ledger.records[name]?.lastSuccessWrittenAt else { return true }
            return time - written >= Self.targetWriteInterval
        }
    }

    /// After a reopen the file may be a new, empty one: everything in memory is written again.
    /// Rewriting rows that are already there changes nothing (rows are replaced, run ids ignored).
    private func markEverythingPending() {
        for (name, record) in ledger.records where !record.persistenceDisabled {
            if record.health.lastSuccessTime != nil {
                ledger.pending.targets.insert(name)
            }
            for (id, job) in record.jobs {
                let key = PendingWrites.JobKey(target: name, job: id)
                ledger.pending.jobs.insert(key)
                ledger.pending.countedRuns[key] = job.countedRuns
            }
        }
    }

    private func recordWriteFailure(_ message: String) {
        stateWriteErrors += 1
        if message != lastWriteError {
            noteWriteHealth(.failing(message))
        }
        lastWriteError = message
    }

    private func noteWriteHealth(_ change: WriteHealthChange) {
        // Nobody may be reading them (tests, poll-once): keep the newest few.
        if writeHealthChanges.count >= 16 {
            writeHealthChanges.removeFirst()
        }
        writeHealthChanges.append(change)
    }

    /// A target's persisted rows, or an empty record that is never written when they cannot be
    /// read (writing it would replace the history on disk with nothing).
    private func loadTarget(_ name: String) -> TargetRecord {
        guard let database else {
            // Closed, or dropped while writes fail: what is on disk is unknown, so never write over it.
            var record = TargetRecord()
            record.persistenceDisabled = !isClosed
            return record
        }
        do {
            return try PersistedRows.loadTarget(name, from: database)
        } catch {
            recordWriteFailure("reading the state of target \(name): \(error.description)")
            var record = TargetRecord()
            record.persistenceDisabled = true
            return record
        }
    }
}
