@testable import Adapters
import BackupModel
import Testing

/// How one i-net result document becomes one normalised run (`vendors/inet.md`): every field,
/// every combination of the `runningStatus` booleans, and the odd values a real server sends.
@Suite("i-net result normalisation")
struct InetResultTests {
    static func result(_ json: String) throws -> InetResult {
        try InetResult(json: JSONValue.parse(Array(json.utf8), context: "GET /api/backup/results/<id>"),
                       context: "GET /api/backup/results/<id>")
    }

    /// A result with the given `runningStatus` and `contentInformation` bodies.
    static func result(status: String, content: String? = nil) throws -> InetResult {
        let contentField = content.map { #","contentInformation":{\#($0)}"# } ?? ""
        return try result(#"{"jobid":"r1","definition":"d1","name":"Nightly","created":1700000000000,"runningStatus":{\#(status)}\#(contentField)}"#)
    }

    // The vendor help page's example, completed with the braces the page's rendering dropped.
    static let vendorExample = """
        {
          "appNameAndVersion": "i-net PDFC 20.4",
          "jobid": "6ed666d2-963a-41f9-972f-dc18d95506b5",
          "definitionid": "d7b3a485-b946-4edc-96db-1a41870f2584",
          "name": "DS",
          "created": 1576146152439,
          "taskKeys": [],
          "runningStatus": {
            "waiting": false,
            "running": false,
            "finished": true,
            "taskProgress": {},
            "taskErrors": {}
          },
          "contentInformation": {
            "path": "/backup/DS 2019-12-12 10-22-32",
            "started": 1576146152440,
            "ended": 1576146152449,
            "duration": 9,
            "size": 467,
            "taskDetails": {}
          }
        }
        """

    @Test("the vendor page's example is a succeeded run with times in seconds, duration 9 ms and 467 bytes")
    func vendorExample() throws {
        let result = try Self.result(Self.vendorExample)
        #expect(result.definitionID == "d7b3a485-b946-4edc-96db-1a41870f2584")
        #expect(result.definitionName == "DS")
        #expect(result.created == 1_576_146_152.439)
        #expect(result.run == ObservedRun(
            id: "6ed666d2-963a-41f9-972f-dc18d95506b5", state: .succeeded, progressPercent: 100,
            startTime: 1_576_146_152.44, endTime: 1_576_146_152.449, durationSeconds: 0.009, sizeBytes: 467,
            vendorStatus: "finished"))
    }

    struct StateCase: Sendable, CustomTestStringConvertible {
        var name: String
        var status: String
        var content: String?
        var state: JobState
        var vendorStatus: String
        var testDescription: String { name }
    }

    static let stateCases: [StateCase] = [
        StateCase(name: "waiting", status: #""waiting":true,"running":false,"finished":false,"taskProgress":{},"taskErrors":{}"#,
                  state: .waiting, vendorStatus: "waiting"),
        StateCase(name: "running", status: #""waiting":false,"running":true,"finished":false,"taskProgress":{},"taskErrors":{}"#,
                  content: #""started":1700000010000"#, state: .running, vendorStatus: "running"),
        StateCase(name: "finished without errors", status: #""waiting":false,"running":false,"finished":true,"taskErrors":{}"#,
                  content: #""size":0"#, state: .succeeded, vendorStatus: "finished"),
        StateCase(name: "finished with errors and content written", status: #""finished":true,"taskErrors":{"mail":"3 items skipped"}"#,
                  content: #""size":1048576"#, state: .warning, vendorStatus: "finished+errors"),
        StateCase(name: "finished with errors and size 0", status: #""finished":true,"taskErrors":{"db":"volume not writable"}"#,
                  content: #""size":0"#, state: .failed, vendorStatus: "finished+errors"),
        StateCase(name: "finished with errors and no size", status: #""finished":true,"taskErrors":{"db":"volume not writable"}"#,
                  content: #""path":"/backup/x""#, state: .failed, vendorStatus: "finished+errors"),
        StateCase(name: "finished with errors and no contentInformation", status: #""finished":true,"taskErrors":{"db":"x"}"#,
                  state: .failed, vendorStatus: "finished+errors"),
        StateCase(name: "finished with errors and a null size", status: #""finished":true,"taskErrors":{"db":"x"}"#,
                  content: #""size":null"#, state: .failed, vendorStatus: "finished+errors"),
        StateCase(name: "all three false", status: #""waiting":false,"running":false,"finished":false"#,
                  state: .unknown, vendorStatus: "none"),
        StateCase(name: "no booleans at all", status: "", state: .unknown, vendorStatus: "none"),
        StateCase(name: "finished wins over a stale running flag", status: #""running":true,"finished":true,"taskErrors":{}"#,
                  state: .succeeded, vendorStatus: "running+finished"),
        StateCase(name: "booleans sent as strings", status: #""waiting":"false","running":"true","finished":"false""#,
                  state: .running, vendorStatus: "running"),
    ]

    @Test("runningStatus and taskErrors map to the normalised state", arguments: stateCases)
    func state(_ testCase: StateCase) throws {
        let run = try Self.result(status: testCase.status, content: testCase.content).run
        #expect(run.state == testCase.state)
        #expect(run.vendorStatus == testCase.vendorStatus)
    }

    @Test("a result without runningStatus is unknown, not guessed")
    func missingRunningStatus() throws {
        let run = try Self.result(#"{"jobid":"r1"}"#).run
        #expect(run == ObservedRun(id: "r1", state: .unknown, vendorStatus: "none"))
    }

    struct ProgressCase: Sendable, CustomTestStringConvertible {
        var name: String
        var flags: String
        var taskProgress: String
        var progress: Double?
        var testDescription: String { name }
    }

    static let running = #""waiting":false,"running":true,"finished":false"#
    static let waiting = #""waiting":true,"running":false,"finished":false"#
    static let finished = #""waiting":false,"running":false,"finished":true"#

    static let progressCases: [ProgressCase] = [
        ProgressCase(name: "numbers are averaged", flags: running, taskProgress: #"{"db":40,"mail":60}"#, progress: 50),
        ProgressCase(name: "numeric strings are parsed in the C locale", flags: running,
                     taskProgress: #"{"db":"42.500000","mail":"57.500000"}"#, progress: 50),
        ProgressCase(name: "one numeric string", flags: running, taskProgress: #"{"db":"42.500000"}"#, progress: 42.5),
        ProgressCase(name: "numbers and strings mixed", flags: running, taskProgress: #"{"db":30,"mail":"50.000000"}"#, progress: 40),
        ProgressCase(name: "junk values are ignored", flags: running,
                     taskProgress: #"{"db":"n/a","mail":80,"files":true,"x":null,"y":{}}"#, progress: 80),
        ProgressCase(name: "NaN and infinity strings are junk", flags: running,
                     taskProgress: #"{"db":"nan","mail":"inf","files":"20"}"#, progress: 20),
        ProgressCase(name: "padded numeric strings", flags: running, taskProgress: #"{"db":" 12.5 "}"#, progress: 12.5),
        ProgressCase(name: "running with an empty map has no progress", flags: running, taskProgress: "{}", progress: nil),
        ProgressCase(name: "running with only junk has no progress", flags: running, taskProgress: #"{"db":"n/a"}"#, progress: nil),
        ProgressCase(name: "running with a null map has no progress", flags: running, taskProgress: "null", progress: nil),
        ProgressCase(name: "waiting with an empty map reads 0", flags: waiting, taskProgress: "{}", progress: 0),
        ProgressCase(name: "waiting with only junk reads 0", flags: waiting, taskProgress: #"{"db":"pending"}"#, progress: 0),
        ProgressCase(name: "waiting with a null map reads 0", flags: waiting, taskProgress: "null", progress: 0),
        ProgressCase(name: "waiting with reported progress keeps it", flags: waiting, taskProgress: #"{"db":"10.000000"}"#, progress: 10),
        ProgressCase(name: "finished reads 100 whatever the map says", flags: finished, taskProgress: #"{"db":"50.000000"}"#, progress: 100),
        ProgressCase(name: "out-of-range values are kept for the model to clamp", flags: running,
                     taskProgress: #"{"db":150,"mail":"130"}"#, progress: 140),
        ProgressCase(name: "no flags and no map has no progress", flags: #""waiting":false"#, taskProgress: "{}", progress: nil),
    ]

    @Test("taskProgress becomes the mean percentage", arguments: progressCases)
    func progress(_ testCase: ProgressCase) throws {
        let run = try Self.result(status: testCase.flags + #","taskProgress":"# + testCase.taskProgress + #","taskErrors":{}"#).run
        #expect(run.progressPercent == testCase.progress)
    }

    @Test("a waiting result starts at its creation time and has no end, duration or size")
    func waitingTimes() throws {
        let run = try Self.result(status: Self.waiting).run
        #expect(run == ObservedRun(id: "r1", state: .waiting, progressPercent: 0, startTime: 1_700_000_000, vendorStatus: "waiting"))
    }

    @Test("a running result takes started and size but no end or duration, even when the server sends them")
    func runningTimes() throws {
        let run = try Self.result(
            status: Self.running + #","taskProgress":{"db":"25.000000"}"#,
            content: #""started":1700000010250,"ended":1700000000000,"duration":5,"size":2048"#).run
        #expect(run == ObservedRun(id: "r1", state: .running, progressPercent: 25, startTime: 1_700_000_010.25,
                                   sizeBytes: 2048, vendorStatus: "running"))
    }

    @Test("a finished result converts started, ended and duration from milliseconds exactly")
    func finishedTimes() throws {
        let run = try Self.result(
            status: Self.finished,
            content: #""started":1700000010001,"ended":1700003610999,"duration":3600998,"size":1073741824"#).run
        #expect(run.startTime == 1_700_000_010.001)
        #expect(run.endTime == 1_700_003_610.999)
        #expect(run.durationSeconds == 3_600.998)
        #expect(run.sizeBytes == 1_073_741_824)
    }

    @Test("a finished result without ended ends at started plus duration")
    func endFromDuration() throws {
        let run = try Self.result(status: Self.finished, content: #""started":1700000000000,"duration":90500"#).run
        #expect(run.endTime == 1_700_000_090.5)
        #expect(run.durationSeconds == 90.5)
    }

    @Test("a finished result without started starts at its creation time")
    func startFromCreated() throws {
        let run = try Self.result(status: Self.finished, content: #""ended":1700000005000"#).run
        #expect(run.startTime == 1_700_000_000)
        #expect(run.endTime == 1_700_000_005)
        #expect(run.durationSeconds == nil)
    }

    @Test("sizes sent as numeric strings are bytes too")
    func sizeAsString() throws {
        let run = try Self.result(status: Self.finished, content: #""size":"467""#).run
        #expect(run.sizeBytes == 467)
    }

    @Test("the definition id is read from definition or definitionid, definition first")
    func definitionField() throws {
        #expect(try Self.result(#"{"jobid":"r","definition":"from-table"}"#).definitionID == "from-table")
        #expect(try Self.result(#"{"jobid":"r","definitionid":"from-example"}"#).definitionID == "from-example")
        #expect(try Self.result(#"{"jobid":"r","definition":"a","definitionid":"b"}"#).definitionID == "a")
        #expect(try Self.result(#"{"jobid":"r","definition":null,"definitionid":"b"}"#).definitionID == "b")
        #expect(try Self.result(#"{"jobid":"r"}"#).definitionID == nil)
    }

    @Test("numeric ids are read in their integral form")
    func numericIDs() throws {
        let result = try Self.result(#"{"jobid":1234,"definition":42}"#)
        #expect(result.run.id == "1234")
        #expect(result.definitionID == "42")
    }

    @Test("id is accepted when jobid is missing")
    func idFallback() throws {
        #expect(try Self.result(#"{"id":"r9"}"#).run.id == "r9")
    }

    @Test("null fields read as absent")
    func nullFields() throws {
        let result = try Self.result("""
            {"jobid":"r1","definition":null,"definitionid":null,"name":null,"created":null,"taskKeys":null,
             "runningStatus":{"waiting":null,"running":true,"finished":null,"taskProgress":null,"taskErrors":null},
             "contentInformation":{"path":null,"started":null,"ended":null,"duration":null,"size":null,"taskDetails":null}}
            """)
        #expect(result.definitionID == nil)
        #expect(result.definitionName == nil)
        #expect(result.created == nil)
        #expect(result.run == ObservedRun(id: "r1", state: .running, vendorStatus: "running"))
    }

    @Test("a null contentInformation reads as absent")
    func nullContent() throws {
        let run = try Self.result(#"{"jobid":"r1","created":1700000000000,"runningStatus":{"finished":true,"taskErrors":{"db":"x"}},"contentInformation":null}"#).run
        // Failed, and its tasks report no progress: none (only a successful run reads 100).
        #expect(run == ObservedRun(id: "r1", state: .failed, progressPercent: nil, startTime: 1_700_000_000,
                                   vendorStatus: "finished+errors"))
    }

    @Test("fields this version does not know are ignored")
    func unknownFields() throws {
        let result = try Self.result("""
            {"jobid":"r1","definitionid":"d1","name":"DS","futureField":{"x":[1,2,{"y":null}]},"schema":3,
             "runningStatus":{"waiting":false,"running":false,"finished":true,"paused":true,"taskProgress":{},"taskErrors":{}},
             "contentInformation":{"size":5,"compression":"zstd","taskDetails":{"db":{"files":12}}}}
            """)
        #expect(result.definitionID == "d1")
        #expect(result.run == ObservedRun(id: "r1", state: .succeeded, progressPercent: 100, sizeBytes: 5, vendorStatus: "finished"))
    }

    @Test("a result without jobid is a decode error naming the call")
    func missingJobID() throws {
        #expect(throws: PollError(.decode, "GET /api/backup/results/<id>: result without jobid")) {
            try Self.result(#"{"definitionid":"d1","name":"DS","runningStatus":{"finished":true}}"#)
        }
        #expect(throws: PollError(.decode, "GET /api/backup/results/<id>: result without jobid")) {
            try Self.result(#"{"jobid":null}"#)
        }
    }

    @Test("a document that is not an object is a decode error")
    func notAnObject() throws {
        #expect(throws: PollError(.decode, "GET /api/backup/results/<id>: expected a result object")) {
            try Self.result(#"["6ed666d2"]"#)
        }
    }

    @Test("a body that is not JSON is a decode error that does not quote the body")
    func notJSON() throws {
        #expect(throws: PollError(.decode, "GET /api/backup/results/<id>: response is not valid JSON at byte 15: expected a string key")) {
            try Self.result(#"{"jobid":"r1", password=hunter2"#)
        }
    }
}
