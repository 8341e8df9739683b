import BackupModel
import Daemon
import Logging
import TestSupport
import Testing

/// The structured entries alerting filters on: one per state change, with the vendor's words
/// about a failed or warned run in `vendor_message` (journald: `VENDOR_MESSAGE=`).
@Suite("State changes as log entries")
struct EventLogTests {
    @Test("a failed run's entry carries the job-failed MESSAGE_ID, its fields and the vendor's own words")
    func failedRunCarriesVendorMessage() {
        let logs = CapturedLog()
        EventLog(logger: logs.logger).record(.jobState(
            target: "cs-01", vendor: .commvault, jobID: "2/3/5", jobName: "WINTER/defaultBackupSet/default", runID: "4",
            from: .running, to: .failed, vendorStatus: "Failed",
            vendorMessage: "Failed to mount the disk media in library [Lib1]"))
        let entry = logs.entries.first
        #expect(logs.entries.count == 1)
        #expect(entry?.level == .error)
        #expect(entry?.message == "job WINTER/defaultBackupSet/default on cs-01 failed")
        #expect(entry?.metadata == [
            "target": "cs-01", "vendor": "commvault", "job_id": "2/3/5", "job_name": "WINTER/defaultBackupSet/default",
            "run_id": "4", "state": "failed", "previous_state": "running", "vendor_status": "Failed",
            "vendor_message": "Failed to mount the disk media in library [Lib1]",
            "message_id": "59a7faebb58949018dba907612d0e7d8", "event": "job_failed",
        ])
    }

    @Test("a warned run carries the vendor's words too; a run that starts does not repeat an old message")
    func messageOnlyWhereItExplainsTheState() {
        let logs = CapturedLog()
        let events = EventLog(logger: logs.logger)
        events.record(.jobState(
            target: "nas", vendor: .inet, jobID: "d7b3", jobName: "DS", runID: "r1", from: .running, to: .warning,
            vendorStatus: nil, vendorMessage: "Task 'Mail': 2 items skipped"))
        events.record(.jobState(
            target: "nas", vendor: .inet, jobID: "d7b3", jobName: "DS", runID: "r2", from: .warning, to: .running,
            vendorStatus: nil, vendorMessage: "Task 'Mail': 2 items skipped"))
        #expect(logs.entries.map { $0.metadata["vendor_message"] } == ["Task 'Mail': 2 items skipped", nil])
    }
}
