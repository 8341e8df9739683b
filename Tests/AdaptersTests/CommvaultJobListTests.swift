import BackupModel
import Testing

@testable import Adapters

@Suite("Commvault job list")
struct CommvaultJobListTests {
    @Test("an HTML page that happens to be well-formed XML is a decode error, not an empty job list")
    func htmlIsNotAnEmptyList() throws {
        let html = try XMLTree.parse(Array("<html><body><h1>Proxy error</h1></body></html>".utf8), context: "GET /Job")
        #expect(throws: PollError(.decode, "GET /Job: expected <JobManager_JobListResponse>, got <html>")) {
            try CommvaultJobList(xml: html, context: "GET /Job")
        }
    }

    @Test("Commvault's own root with no jobs is an empty page")
    func emptyResponseIsEmpty() throws {
        let root = try XMLTree.parse(Array(#"<JobManager_JobListResponse totalRecordsWithoutPaging="0"/>"#.utf8), context: "GET /Job")
        let list = try CommvaultJobList(xml: root, context: "GET /Job")
        #expect(list.summaries == [])
        #expect(list.total == 0)
    }
}
