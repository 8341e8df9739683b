@testable import Adapters
import BackupModel
import Testing

/// The Commvault status table and field conversions, word by word (`vendors/commvault.md`).
@Suite("Commvault normalisation")
struct CommvaultJobSummaryTests {
    static let table: [(word: String, state: JobState)] = [
        ("Running", .running), ("Running (cannot be verified)", .running),
        ("Waiting", .waiting), ("Pending", .waiting), ("Queued", .waiting), ("Suspend", .waiting),
        ("Suspended", .waiting), ("Kill Pending", .waiting), ("Interrupt Pending", .waiting),
        ("Completed", .succeeded), ("Committed", .warning),
        ("Completed w/ one or more errors", .warning), ("Completed w/ one or more warnings", .warning),
        ("Failed", .failed), ("Failed to Start", .failed),
        // cvpysdk calls both unfinished: an interrupted job resumes, a cleanup has a last word to come.
        ("Abnormal Terminated Cleanup", .unknown), ("Killed", .cancelled), ("Interrupted", .waiting),
        ("Suspend Pending", .unknown), ("", .unknown), ("Completed with magic", .unknown),
    ]

    @Test("every status word of the vendor note maps as tabled; others are unknown", arguments: table.indices)
    func statusWord(_ index: Int) {
        let (word, state) = Self.table[index]
        #expect(CommvaultJobSummary.state(for: word, errorsAsFailed: false) == state)
        // The words arrive in the API's own capitalisation, but a server in another locale or a
        // proxy must not turn a known word unknown.
        #expect(CommvaultJobSummary.state(for: word.uppercased(), errorsAsFailed: false) == state)
    }

    @Test("errors_as_failed turns only the errors case into failed")
    func errorsAsFailed() {
        #expect(CommvaultJobSummary.state(for: "Completed w/ one or more errors", errorsAsFailed: true) == .failed)
        #expect(CommvaultJobSummary.state(for: "Completed w/ one or more warnings", errorsAsFailed: true) == .warning)
        #expect(CommvaultJobSummary.state(for: "Completed", errorsAsFailed: true) == .succeeded)
    }

    /// The API reference's own example, as JSON would carry it.
    static let seedJSON = #"""
    {"appTypeName":"File System","backupLevel":"INCREMANTAL","backupLevelName":"Incremental","backupSetName":"defaultBackupSet",
     "destClientName":"WINTER","isAged":false,"isVisible":true,"jobElapsedTime":12,"jobId":4,"jobStartTime":1423087483,
     "jobType":"Backup","lastUpdateTime":1423087497,"percentComplete":100.0,"percentSavings":0.0,"sizeOfApplication":0,
     "sizeOfMediaOnDisk":0,"status":"Completed","statusColor":"black","subclientName":"default","totalFailedFiles":0,
     "totalFailedFolders":0,"totalNumOfFiles":0,
     "subclient":{"appName":"File System","applicationId":33,"backupsetId":3,"backupsetName":"defaultBackupSet","clientId":2,
     "clientName":"WINTER","instanceId":1,"instanceName":"DefaultInstanceName","subclientId":2,"subclientName":"default"}}
    """#

    /// The API reference's XML example, verbatim.
    static let seedXML = #"""
    <?xml version="1.0" encoding="UTF-8" standalone="no" ?>
     <JobManager_JobListResponse totalRecordsWithoutPaging="1">
       <jobs>
         <jobSummary appTypeName="File System" backupLevel="INCREMANTAL" backupLevelName="Incremental" backupSetName="defaultBackupSet" destClientName="WINTER" isAged="false" isVisible="true" jobElapsedTime="12" jobId="4" jobStartTime="1423087483" jobType="Backup" lastUpdateTime="1423087497" localizedBackupLevelName="Incremental" localizedOperationName="Backup" localizedStatus="Completed" percentComplete="100.000000" percentSavings="0.000000" sizeOfApplication="0" sizeOfMediaOnDisk="0" status="Completed" statusColor="black" subclientName="default" totalFailedFiles="0" totalFailedFolders="0" totalNumOfFiles="0">
           <subclient appName="File System" applicationId="33" backupsetId="3" backupsetName="defaultBackupSet" clientId="2" clientName="WINTER" instanceId="1" instanceName="DefaultInstanceName" subclientId="2" subclientName="default"/>
         </jobSummary>
       </jobs>
     </JobManager_JobListResponse>
    """#

    static let seedRun = ObservedRun(
        id: "4", state: .succeeded, progressPercent: 100, startTime: 1_423_087_483, endTime: 1_423_087_497,
        durationSeconds: 12, sizeBytes: 0, objectCount: 0, vendorStatus: "Completed")

    @Test("the API reference's example job reads the same from XML and from JSON")
    func seedExample() throws {
        let list = try CommvaultJobList(xml: try XMLTree.parse(Array(Self.seedXML.utf8), context: "GET /Job"), context: "GET /Job")
        #expect(list.total == 1)
        #expect(list.summaries.count == 1)
        let fromXML = try CommvaultJobSummary(summary: list.summaries[0], errorsAsFailed: false, context: "GET /Job")
        let json = try JSONValue.parse(Array(Self.seedJSON.utf8), context: "test")
        let fromJSON = try CommvaultJobSummary(summary: json, errorsAsFailed: false, context: "GET /Job")
        #expect(fromXML == fromJSON)
        #expect(fromXML.jobID == "2/3/2")
        #expect(fromXML.jobName == "WINTER/defaultBackupSet/default")
        #expect(fromXML.run == Self.seedRun)
    }

    @Test("a running job: decimal progress, no end, no duration yet; jobEndTime wins over lastUpdateTime once finished")
    func fieldConversions() throws {
        let running = try CommvaultJobSummary(summary: try JSONValue.parse(Array(#"""
            {"jobId":"77","status":"Running","percentComplete":"42.500000","jobStartTime":"1700000000","lastUpdateTime":1700000300,
             "jobEndTime":0,"jobElapsedTime":300,"sizeOfApplication":"1073741824","totalNumOfFiles":"1200",
             "subclient":{"clientId":5,"backupsetId":11,"subclientId":17,"clientName":"SQL01","backupsetName":"SQLINSTANCE","subclientName":"daily"}}
            """#.utf8), context: "t"), errorsAsFailed: false, context: "t")
        #expect(running.run == ObservedRun(id: "77", state: .running, progressPercent: 42.5, startTime: 1_700_000_000,
                                           sizeBytes: 1_073_741_824, objectCount: 1200, vendorStatus: "Running"))
        let finished = try CommvaultJobSummary(summary: try JSONValue.parse(Array(#"""
            {"jobId":78,"status":"Killed","percentComplete":63,"jobStartTime":1700000000,"lastUpdateTime":1700000999,
             "jobEndTime":1700000400,"jobElapsedTime":400,"subclient":{"clientName":"A","backupsetName":"B","subclientName":"C"}}
            """#.utf8), context: "t"), errorsAsFailed: false, context: "t")
        #expect(finished.run == ObservedRun(id: "78", state: .cancelled, progressPercent: 63, startTime: 1_700_000_000,
                                            endTime: 1_700_000_400, durationSeconds: 400, vendorStatus: "Killed"))
        // No subclient ids: the names are the key.
        #expect(finished.jobID == "A/B/C")
        #expect(finished.jobName == "A/B/C")
    }

    @Test("a waiting job with jobStartTime 0 has no start; a summary without jobId is a decode error")
    func edges() throws {
        let waiting = try CommvaultJobSummary(summary: try JSONValue.parse(Array(#"""
            {"jobId":9,"status":"Queued","percentComplete":0,"jobStartTime":0,"lastUpdateTime":1700000000,"subclient":null}
            """#.utf8), context: "t"), errorsAsFailed: false, context: "t")
        #expect(waiting.run == ObservedRun(id: "9", state: .waiting, progressPercent: 0, vendorStatus: "Queued"))
        #expect(waiting.jobID == "//")
        #expect(throws: PollError(.decode, "GET /Job: jobSummary without jobId")) {
            try CommvaultJobSummary(summary: .object(["status": .string("Running")]), errorsAsFailed: false, context: "GET /Job")
        }
    }

    @Test("a list without jobs is empty; an errorCode answer is an error")
    func lists() throws {
        #expect(try CommvaultJobList(json: .object([:]), context: "GET /Job") == CommvaultJobList(json: .object(["jobs": .array([])]), context: "x"))
        #expect(try CommvaultJobList(json: .object([:]), context: "GET /Job").summaries.isEmpty)
        #expect(throws: PollError(.http, "GET /Job: server answered errorCode 2")) {
            try CommvaultJobList(json: .object(["errorCode": .number(2), "errorMessage": .string("x")]), context: "GET /Job")
        }
        #expect(throws: PollError(.decode, "GET /Job: jobs is not a list")) {
            try CommvaultJobList(json: .object(["jobs": .string("x")]), context: "GET /Job")
        }
    }
}
