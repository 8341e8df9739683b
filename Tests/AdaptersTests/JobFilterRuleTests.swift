import Adapters
import BackupModel
import Testing

/// The one rule that decides which of a target's jobs are exported.
@Suite("The jobs: filter")
struct JobFilterRuleTests {
    let jobs = [
        ObservedJob(id: "2/3/5", name: "WINTER/defaultBackupSet/default", runs: []),
        ObservedJob(id: "3C407448-4D05-432F-A651-144827BED5CE", name: "test_job", runs: []),
        ObservedJob(id: "7/1", name: "win32/file-level", runs: []),
    ]

    @Test("an empty list selects every job and reports nothing")
    func emptySelectsAll() {
        let (selected, unmatched) = JobFilter(entries: [], keys: .id).apply(jobs)
        #expect(selected == jobs)
        #expect(unmatched == [])
    }

    @Test("by id only, exactly: a name or another case selects nothing and is reported")
    func idOnly() {
        let filter = JobFilter(entries: ["2/3/5", "test_job", "3c407448-4d05-432f-a651-144827bed5ce"], keys: .id)
        let (selected, unmatched) = filter.apply(jobs)
        #expect(selected.map(\.id) == ["2/3/5"])
        #expect(unmatched == ["test_job", "3c407448-4d05-432f-a651-144827bed5ce"])
    }

    @Test("by id or name: either selects the job, and a job named twice is listed once")
    func idOrName() {
        let filter = JobFilter(entries: ["win32/file-level", "7/1", "WINTER/defaultBackupSet/default", "typo"], keys: JobKeys(name: true))
        let (selected, unmatched) = filter.apply(jobs)
        #expect(selected.map(\.id) == ["2/3/5", "7/1"])
        #expect(unmatched == ["typo"])
        #expect(filter.selects(id: "x", name: "win32/file-level"))
        #expect(!filter.selects(id: "x", name: "WIN32/file-level"))
    }

    @Test("in any case: a GUID matches whichever way it is printed, and a repeated typo is reported once")
    func anyCase() {
        let filter = JobFilter(entries: ["3c407448-4d05-432f-a651-144827bed5ce", "nope", "NOPE"], keys: JobKeys(anyCase: true))
        let (selected, unmatched) = filter.apply(jobs)
        #expect(selected.map(\.id) == ["3C407448-4D05-432F-A651-144827BED5CE"])
        #expect(unmatched == ["nope"])
    }
}
