import BackupModel
import Exposition
import TestSupport
import Testing

@Suite("Page structure")
struct PageStructureTests {
    /// The contract of `spec/metrics.md`, in page order, with the TYPE each must carry.
    static let families: [(name: String, type: String)] = [
        ("backup_target_up", "gauge"),
        ("backup_target_poll_duration_seconds", "gauge"),
        ("backup_target_last_success_timestamp_seconds", "gauge"),
        ("backup_target_polls_total", "counter"),
        ("backup_target_poll_errors_total", "counter"),
        ("backup_target_jobs", "gauge"),
        ("backup_job_state", "gauge"),
        ("backup_job_progress_ratio", "gauge"),
        ("backup_job_last_run_start_timestamp_seconds", "gauge"),
        ("backup_job_last_run_end_timestamp_seconds", "gauge"),
        ("backup_job_last_run_duration_seconds", "gauge"),
        ("backup_job_last_run_size_bytes", "gauge"),
        ("backup_job_last_run_objects", "gauge"),
        ("backup_job_last_success_timestamp_seconds", "gauge"),
        ("backup_job_max_age_seconds", "gauge"),
        ("backup_job_last_failure_timestamp_seconds", "gauge"),
        ("backup_job_runs_total", "counter"),
        ("backup_job_enabled", "gauge"),
        ("backup_job_next_run_timestamp_seconds", "gauge"),
        ("backup_job_first_seen_timestamp_seconds", "gauge"),
        ("backup_exporter_build_info", "gauge"),
        ("backup_exporter_config_last_reload_successful", "gauge"),
        ("backup_exporter_config_last_reload_success_timestamp_seconds", "gauge"),
        ("backup_exporter_shard_info", "gauge"),
        ("backup_exporter_targets", "gauge"),
        ("backup_exporter_state_write_errors_total", "counter"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_virtual_memory_bytes", "gauge"),
        ("process_start_time_seconds", "gauge"),
        ("process_open_fds", "gauge"),
        ("process_max_fds", "gauge"),
    ]

    static let emptySnapshot = ExporterSnapshot(
        targets: [], config: ConfigStatus(lastReloadSuccessful: false, lastReloadSuccessTime: nil),
        build: BuildInfo(version: "1", swiftVersion: "6"))

    @Test("every family has HELP and TYPE, in the contract's order, even on a page with no targets and no process stats")
    func everyFamilyHasHeaders() {
        for snapshot in [Fixtures.golden, Self.emptySnapshot] {
            for process in [Fixtures.process, nil] {
                let page = MetricsPage(Fixtures.text(snapshot, process: process))
                #expect(page.headers.map(\.name) == Self.families.map(\.name))
                #expect(page.headers.map(\.type) == Self.families.map(\.type))
                #expect(page.headers.filter { $0.help.isEmpty }.map(\.name) == [])
                #expect(page.unreadable == [])
            }
        }
    }

    @Test("every sample follows the TYPE line of its own family, so families are contiguous")
    func samplesAreGroupedByFamily() {
        let page = MetricsPage(Fixtures.text(Fixtures.big(targets: 3, jobsPerTarget: 30)))
        #expect(page.samples.count > 1000)
        #expect(page.samples.filter { $0.name != $0.family }.map(\.name) == [])
        #expect(Set(page.headers.map(\.name)).count == page.headers.count)
    }

    @Test("HELP of every target and job family says its values are as of the last poll")
    func pollFamiliesSayAsOfLastPoll() {
        let page = MetricsPage(Fixtures.text(Fixtures.golden))
        let pollFamilies = page.headers.filter { $0.name.hasPrefix("backup_target_") || $0.name.hasPrefix("backup_job_") }
        #expect(pollFamilies.count == 20)
        #expect(pollFamilies.filter { !$0.help.contains("as of the last poll") }.map(\.name) == [])
    }

    @Test("every job with a last run has 7 state series of which exactly the last run's state is 1; a job without one has none")
    func stateSetInvariant() {
        for snapshot in [Fixtures.golden, Fixtures.big(targets: 2, jobsPerTarget: 40)] {
            let page = MetricsPage(Fixtures.text(snapshot))
            for target in snapshot.targets {
                for job in target.jobs {
                    let series = page.samples(named: "backup_job_state").filter {
                        $0.labels["target"] == target.name && $0.labels["job_id"] == job.id
                    }
                    guard let run = job.lastRun else {
                        #expect(series.count == 0, "job \(job.id) has no run")
                        continue
                    }
                    #expect(series.map { $0.labels["state"] ?? "" }.sorted() == JobState.allCases.map(\.rawValue).sorted())
                    #expect(series.filter { $0.value == "1" }.map { $0.labels["state"] ?? "" } == [run.state.rawValue])
                    #expect(series.filter { $0.value != "1" }.allSatisfy { $0.value == "0" })
                }
            }
        }
    }

    @Test("label values escape backslash, quote and newline exactly as the text format requires")
    func labelEscaping() {
        let job = JobSnapshot(id: "j\"1", name: "a\\b\"c\nd", lastRun: nil, history: JobHistory())
        let text = Fixtures.text(Fixtures.single([job]))
        let line = #"backup_job_runs_total{target="t",vendor="inet",job_id="j\"1",job_name="a\\b\"c\nd",result="failed"} 0"#
        #expect(text.split(separator: "\n").contains { $0 == line })
        let parsed = MetricsPage(text).samples(named: "backup_job_runs_total").first
        #expect(parsed?.labels["job_name"] == "a\\b\"c\nd")
        #expect(parsed?.labels["job_id"] == "j\"1")
    }

    @Test("a target never polled shows up 0, zero counters for every reason and no duration or success time")
    func targetNeverPolled() {
        let page = MetricsPage(Fixtures.text(Fixtures.single([], health: TargetHealth())))
        let target = ["target": "t", "vendor": "inet"]
        #expect(page.valueText("backup_target_up", target) == "0")
        #expect(page.samples(named: "backup_target_poll_duration_seconds").count == 0)
        #expect(page.samples(named: "backup_target_last_success_timestamp_seconds").count == 0)
        #expect(page.valueText("backup_target_jobs", target) == "0")
        let errors = page.samples(named: "backup_target_poll_errors_total")
        #expect(errors.map { $0.labels["reason"] ?? "" } == FailureReason.allCases.map(\.rawValue))
        #expect(errors.map(\.value) == Array(repeating: "0", count: 7))
    }

    @Test("a job with no run has only its history: runs by result (zeros included) and the timestamps it has")
    func jobWithoutRun() {
        let job = JobSnapshot(id: "j", name: "n", lastRun: nil,
                              history: JobHistory(lastFailureTime: 1_690_000_000, runsByResult: [.failed: 2]))
        let page = MetricsPage(Fixtures.text(Fixtures.single([job])))
        let jobSamples = page.samples.filter { $0.labels["job_id"] == "j" }
        #expect(jobSamples.map(\.name) == [
            "backup_job_last_failure_timestamp_seconds",
            "backup_job_runs_total", "backup_job_runs_total", "backup_job_runs_total", "backup_job_runs_total",
        ])
        #expect(jobSamples.map(\.value) == ["1690000000", "0", "0", "2", "0"])
        #expect(jobSamples.dropFirst().map { $0.labels["result"] ?? "" } == ["succeeded", "warning", "failed", "cancelled"])
    }

    @Test("a running job has progress, start and the time elapsed as of the scrape, but no end")
    func runningJob() {
        let run = ObservedRun(id: "r", state: .running, progressPercent: 150, startTime: 1_700_000_000)
        let page = MetricsPage(Fixtures.text(Fixtures.single([JobSnapshot(id: "j", name: "", lastRun: run, history: JobHistory())])))
        let labels = ["target": "t", "vendor": "inet", "job_id": "j", "job_name": ""]
        #expect(page.valueText("backup_job_progress_ratio", labels) == "1")
        #expect(page.valueText("backup_job_last_run_start_timestamp_seconds", labels) == "1700000000")
        #expect(page.valueText("backup_job_last_run_end_timestamp_seconds", labels) == nil)
        #expect(page.valueText("backup_job_last_run_duration_seconds", labels) == "100")
        #expect(page.valueText("backup_job_last_run_size_bytes", labels) == nil)
    }

    @Test("an end time a vendor echoes for a waiting or running run is not written; a finished run's is")
    func endTimeOnlyWhenFinished() {
        let jobs = JobState.allCases.map { state in
            JobSnapshot(id: state.rawValue, name: "", lastRun: ObservedRun(id: "r", state: state, endTime: 1_699_000_000),
                        history: JobHistory())
        }
        let ends = MetricsPage(Fixtures.text(Fixtures.single(jobs))).samples(named: "backup_job_last_run_end_timestamp_seconds")
        #expect(ends.map { $0.labels["job_id"] ?? "" } == ["succeeded", "warning", "failed", "cancelled", "unknown"])
    }

    @Test("a run without vendor progress that has not finished has no progress series; a succeeded one reads 1")
    func progressAbsentOrOne() {
        let jobs = [
            JobSnapshot(id: "a", name: "", lastRun: ObservedRun(id: "1", state: .running), history: JobHistory()),
            JobSnapshot(id: "b", name: "", lastRun: ObservedRun(id: "2", state: .succeeded), history: JobHistory()),
            JobSnapshot(id: "c", name: "", lastRun: ObservedRun(id: "3", state: .failed, progressPercent: 37), history: JobHistory()),
        ]
        let progress = MetricsPage(Fixtures.text(Fixtures.single(jobs))).samples(named: "backup_job_progress_ratio")
        #expect(progress.map { $0.labels["job_id"] ?? "" } == ["b", "c"])
        #expect(progress.map(\.value) == ["1", "0.37"])
    }

    @Test("the exporter's own families: build info, config reload, state write errors and process values")
    func exporterFamilies() {
        var snapshot = Fixtures.single([])
        snapshot.build = BuildInfo(version: "2.0.0-rc.1", swiftVersion: "6.3.1")
        snapshot.stateWriteErrors = UInt64.max
        let page = MetricsPage(Fixtures.text(snapshot))
        #expect(page.valueText("backup_exporter_build_info", ["version": "2.0.0-rc.1", "swift_version": "6.3.1"]) == "1")
        #expect(page.valueText("backup_exporter_config_last_reload_successful", [:]) == "1")
        #expect(page.samples(named: "backup_exporter_config_last_reload_success_timestamp_seconds").count == 0)
        #expect(page.valueText("backup_exporter_state_write_errors_total", [:]) == "18446744073709551615")
        #expect(page.valueText("process_cpu_seconds_total", [:]) == "12.34")
        #expect(page.valueText("process_start_time_seconds", [:]) == "1699990000.27")
        #expect(page.valueText("process_max_fds", [:]) == "1048576")

        let withoutProcess = MetricsPage(Fixtures.text(snapshot, process: nil))
        #expect(withoutProcess.samples.filter { $0.name.hasPrefix("process_") }.count == 0)
    }

    @Test("OpenMetrics names counter families without _total, keeps it on samples and ends with # EOF")
    func openMetricsFraming() {
        let text = Fixtures.text(Fixtures.golden, format: .openMetrics)
        let page = MetricsPage(text)
        let expected = Self.families.map { family in
            family.type == "counter" ? String(family.name.dropLast("_total".count)) : family.name
        }
        #expect(page.headers.map(\.name) == expected)
        #expect(page.unreadable == [])
        #expect(text.hasSuffix("\n# EOF\n"))
        #expect(page.lines.filter { $0 == "# EOF" }.count == 1)
        #expect(page.samples.filter { $0.name != $0.family && $0.name != ($0.family ?? "") + "_total" }.map(\.name) == [])
        #expect(page.valueText("backup_target_polls_total", ["target": "nas-01", "vendor": "inet"]) == "42")
        // Same series as the text page, sample for sample.
        #expect(page.samples.map(\.name) == MetricsPage(Fixtures.text(Fixtures.golden)).samples.map(\.name))
    }
}
