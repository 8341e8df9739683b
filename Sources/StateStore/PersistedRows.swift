import BackupModel

/// Reading and writing the rows of one target and its jobs. Callers own the transaction.
enum PersistedRows {
    static func loadTarget(_ name: String, from database: SQLiteDatabase) throws(StoreError) -> TargetRecord {
        let lastSuccess = try database.query("SELECT last_success_time FROM target WHERE name = ?", [.text(name)])
            .first?.first?.double
        var counted: [String: [(runID: String, sequence: Int64, time: Double?)]] = [:]
        let countedRows = try database.query(
            "SELECT job_id, run_id, sequence, run_time FROM counted_run WHERE target = ? ORDER BY sequence", [.text(name)])
        for row in countedRows {
            guard let job = row[0].text, let run = row[1].text, let sequence = row[2].integer else { continue }
            counted[job, default: []].append((run, sequence, row[3].double))
        }
        let jobRows = try database.query(
            """
            SELECT job_id, name, listed, run_id, run_state, run_progress, run_start, run_end, run_duration,
                   run_size, run_vendor_status, last_success_time, last_failure_time,
                   runs_succeeded, runs_warning, runs_failed, runs_cancelled,
                   first_seen_time, enabled, next_run_time, run_vendor_message, run_objects, forgotten_through
            FROM job WHERE target = ?
            """, [.text(name)])
        var jobs: [String: JobRecord] = [:]
        for row in jobRows {
            guard let id = row[0].text else { continue }
            var lastRun: ObservedRun?
            if let runID = row[3].text {
                lastRun = ObservedRun(
                    // A state word from a newer build reads as unknown rather than being guessed.
                    id: runID, state: row[4].text.flatMap(JobState.init(rawValue:)) ?? .unknown,
                    progressPercent: row[5].double, startTime: row[6].double, endTime: row[7].double,
                    durationSeconds: row[8].double, sizeBytes: row[9].double, objectCount: row[21].double,
                    vendorStatus: row[10].text, vendorMessage: row[20].text)
            }
            var history = JobRecord.emptyHistory
            history.lastSuccessTime = row[11].double
            history.lastFailureTime = row[12].double
            for (offset, result) in countColumns.enumerated() {
                history.runsByResult[result] = UInt64(max(0, row[13 + offset].integer ?? 0))
            }
            history.firstSeenTime = row[17].double
            let jobRow = JobRecord.Row(
                name: row[1].text ?? "", lastRun: lastRun, history: history, listed: row[2].integer != 0,
                enabled: row[18].integer.map { $0 != 0 }, nextRunTime: row[19].double, forgottenThrough: row[22].double)
            jobs[id] = JobRecord(row: jobRow, counted: counted[id] ?? [])
        }
        return TargetRecord(lastSuccessTime: lastSuccess, jobs: jobs)
    }

    /// The result each `runs_*` column counts, in column order.
    private static let countColumns: [RunResult] = [.succeeded, .warning, .failed, .cancelled]

    static func writeTarget(_ name: String, lastSuccessTime: Double?, to database: SQLiteDatabase) throws(StoreError) {
        try database.run(
            "INSERT OR REPLACE INTO target (name, last_success_time) VALUES (?, ?)", [.text(name), SQLiteValue(lastSuccessTime)])
    }

    /// Rewrites the job's row from memory, adds the newly counted run ids and prunes the oldest.
    static func writeJob(
        target: String, id: String, record: JobRecord, newlyCounted: [PendingWrites.CountedRun],
        to database: SQLiteDatabase
    ) throws(StoreError) {
        let row = record.row
        let run = row.lastRun
        let counts = countColumns.map { SQLiteValue.integer(Int64(clamping: row.history.runsByResult[$0] ?? 0)) }
        try database.run(
            """
            INSERT OR REPLACE INTO job (
                target, job_id, name, listed, run_id, run_state, run_progress, run_start, run_end, run_duration,
                run_size, run_vendor_status, last_success_time, last_failure_time,
                runs_succeeded, runs_warning, runs_failed, runs_cancelled,
                first_seen_time, enabled, next_run_time, run_vendor_message, run_objects, forgotten_through)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(target), .text(id), .text(row.name), .integer(row.listed ? 1 : 0),
                SQLiteValue(run?.id), SQLiteValue(run?.state.rawValue), SQLiteValue(run?.progressPercent),
                SQLiteValue(run?.startTime), SQLiteValue(run?.endTime), SQLiteValue(run?.durationSeconds),
                SQLiteValue(run?.sizeBytes), SQLiteValue(run?.vendorStatus),
                SQLiteValue(row.history.lastSuccessTime), SQLiteValue(row.history.lastFailureTime),
            ] + counts + [
                SQLiteValue(row.history.firstSeenTime), SQLiteValue(row.enabled.map { Int64($0 ? 1 : 0) }),
                SQLiteValue(row.nextRunTime), SQLiteValue(run?.vendorMessage), SQLiteValue(run?.objectCount),
                SQLiteValue(row.forgottenThrough),
            ])
        guard !newlyCounted.isEmpty else { return }
        let insert = try database.prepare(
            "INSERT OR IGNORE INTO counted_run (target, job_id, run_id, sequence, run_time) VALUES (?, ?, ?, ?, ?)")
        for counted in newlyCounted {
            try insert.bind([.text(target), .text(id), .text(counted.runID), .integer(counted.sequence), SQLiteValue(counted.time)])
            while try insert.step() {}
            try insert.reset()
        }
        try database.run(
            "DELETE FROM counted_run WHERE target = ? AND job_id = ? AND sequence < ?",
            [.text(target), .text(id), .integer(record.oldestKeptSequence)])
    }
}
