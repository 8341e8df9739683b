/// The database layout and its migrations, versioned by `PRAGMA user_version`.
///
/// Migration `n` takes a database from version `n` to `n + 1`; each runs in its own transaction
/// together with the version bump, so a crash mid-migration leaves the old version intact. A
/// database newer than this build is refused rather than written to.
enum StoreSchema {
    static let migrations: [String] = [
        // 0 -> 1
        """
        CREATE TABLE target (
            name TEXT NOT NULL PRIMARY KEY,
            last_success_time REAL
        ) WITHOUT ROWID;
        CREATE TABLE job (
            target TEXT NOT NULL,
            job_id TEXT NOT NULL,
            name TEXT NOT NULL,
            -- 0 once the vendor stopped listing the job: the row keeps its history for when
            -- the job comes back, but a restart must not show it again.
            listed INTEGER NOT NULL,
            run_id TEXT,
            run_state TEXT,
            run_progress REAL,
            run_start REAL,
            run_end REAL,
            run_duration REAL,
            run_size REAL,
            run_vendor_status TEXT,
            last_success_time REAL,
            last_failure_time REAL,
            runs_succeeded INTEGER NOT NULL DEFAULT 0,
            runs_warning INTEGER NOT NULL DEFAULT 0,
            runs_failed INTEGER NOT NULL DEFAULT 0,
            runs_cancelled INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (target, job_id)
        ) WITHOUT ROWID;
        -- Finished runs already counted in runs_*, so a run is counted once across polls and
        -- restarts. `sequence` orders them by when they were counted, for pruning.
        CREATE TABLE counted_run (
            target TEXT NOT NULL,
            job_id TEXT NOT NULL,
            run_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (target, job_id, run_id)
        ) WITHOUT ROWID;
        CREATE INDEX counted_run_by_sequence ON counted_run (target, job_id, sequence);
        """,
        // 1 -> 2: what the vendors say of a job beyond its runs, when the daemon first saw it,
        // and the vendor's words about the last run.
        """
        ALTER TABLE job ADD COLUMN first_seen_time REAL;
        ALTER TABLE job ADD COLUMN enabled INTEGER;
        ALTER TABLE job ADD COLUMN next_run_time REAL;
        ALTER TABLE job ADD COLUMN run_vendor_message TEXT;
        ALTER TABLE job ADD COLUMN run_objects REAL;
        """,
        // 2 -> 3: pruning counted run ids by time, so that a pruned id can never be counted
        // again (JobRecord.countedRunLimit). Rows counted before have no time; they keep the cap.
        """
        ALTER TABLE counted_run ADD COLUMN run_time REAL;
        ALTER TABLE job ADD COLUMN forgotten_through REAL;
        """,
    ]

    static var currentVersion: Int64 { Int64(migrations.count) }

    static func migrate(_ database: SQLiteDatabase) throws(StoreError) {
        let found = try database.query("PRAGMA user_version").first?.first?.integer ?? 0
        guard found <= currentVersion else {
            throw StoreError(
                path: database.path,
                message: "schema version \(found) is newer than this build supports (\(currentVersion)); "
                    + "run a newer backup-exporter or move the file away")
        }
        for version in Int(found)..<migrations.count {
            try database.transaction { () throws(StoreError) in
                try database.execute(migrations[version])
                try database.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }
}
