@testable import Adapters
import BackupModel
import Testing

/// The ECLYPSE mapping (`vendors/eclypse.md`), case by case, from JSON and from XML.
@Suite("ECLYPSE normalisation")
struct EclypseJobTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var json: String
        var xml: String
        var expected: ObservedRun
        var testDescription: String { json }
    }

    static let id = "c83b7cd2-e5df-4dcc-9e9e-301927c76a30"

    static let cases: [Case] = [
        Case(json: #"{"progress": 100, "status": "OK"}"#, xml: "<Job><Status>OK</Status><Progress>100</Progress></Job>",
             expected: ObservedRun(id: id, state: .succeeded, progressPercent: 100, vendorStatus: "OK")),
        Case(json: #"{"progress": 97, "status": "ok"}"#, xml: "<Job><Status>ok</Status><Progress>97</Progress></Job>",
             expected: ObservedRun(id: id, state: .succeeded, progressPercent: 100, vendorStatus: "ok")),
        Case(json: #"{"progress": 42, "status": ""}"#, xml: "<Job><Status></Status><Progress>42</Progress></Job>",
             expected: ObservedRun(id: id, state: .running, progressPercent: 42)),
        Case(json: #"{"progress": "42"}"#, xml: "<Job><Progress> 42 </Progress></Job>",
             expected: ObservedRun(id: id, state: .running, progressPercent: 42)),
        Case(json: #"{"progress": 0, "status": null}"#, xml: "<Job><Status/><Progress>0</Progress></Job>",
             expected: ObservedRun(id: id, state: .waiting, progressPercent: 0)),
        Case(json: #"{"progress": -5, "status": ""}"#, xml: "<Job><Progress>-5</Progress></Job>",
             expected: ObservedRun(id: id, state: .waiting, progressPercent: 0)),
        Case(json: #"{"progress": 63, "status": "Error"}"#, xml: "<Job><Status>Error</Status><Progress>63</Progress></Job>",
             expected: ObservedRun(id: id, state: .failed, progressPercent: 63, vendorStatus: "Error")),
        Case(json: #"{"progress": 180, "status": "Insufficient storage space"}"#,
             xml: "<Job><Status>Insufficient storage space</Status><Progress>180</Progress></Job>",
             expected: ObservedRun(id: id, state: .failed, progressPercent: 100, vendorStatus: "Insufficient storage space")),
        Case(json: #"{"progress": 100, "status": ""}"#, xml: "<Job><Status></Status><Progress>100</Progress></Job>",
             expected: ObservedRun(id: id, state: .unknown, progressPercent: 100, vendorStatus: "(no status)")),
        Case(json: #"{}"#, xml: "<Job/>",
             expected: ObservedRun(id: id, state: .unknown, vendorStatus: "(no status)")),
        Case(json: #"{"Progress": 10, "Status": ""}"#, xml: "<job><status></status><progress>10</progress></job>",
             expected: ObservedRun(id: id, state: .running, progressPercent: 10)),
    ]

    @Test("status and progress map as the vendor note tables them, identically from JSON and XML", arguments: cases)
    func mapping(_ testCase: Case) throws {
        let fromJSON = try EclypseJob(json: try JSONValue.parse(Array(testCase.json.utf8), context: "t"), context: "t")
        let fromXML = try EclypseJob(xml: try XMLTree.parse(Array(testCase.xml.utf8), context: "t"), context: "t")
        #expect(fromJSON.run(jobID: Self.id) == testCase.expected)
        #expect(fromXML.run(jobID: Self.id) == testCase.expected)
    }

    @Test("an answer that is not a job is a decode error")
    func notAJob() throws {
        #expect(throws: PollError(.decode, "GET /j: expected a job object")) {
            try EclypseJob(json: .array([]), context: "GET /j")
        }
        #expect(throws: PollError(.decode, "GET /j: expected a <Job> element, got <Error>")) {
            try EclypseJob(xml: XMLTree(name: "Error"), context: "GET /j")
        }
    }
}
