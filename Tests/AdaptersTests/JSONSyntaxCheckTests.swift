@testable import Adapters
import BackupModel
import Testing

struct JSONSyntaxCheckTests {
    @Test("valid documents pass", arguments: [
        #"{}"#, #"[]"#, #" {"a": [1, -2.5e+3, 0, true, false, null, "x\"\u00e9\n"]} "#, #""text""#, "42", #"{"a":{"b":{"c":[]}}}"#,
    ])
    func valid(text: String) {
        #expect(JSONSyntaxCheck.firstError(in: Array(text.utf8)) == nil)
    }

    @Test("the first offending byte and what was expected there", arguments: [
        (#"{"size": 518 "files": 1}"#, 13, "',' or '}'"),
        (#"[1 2]"#, 3, "',' or ']'"),
        (#"{"a" 1}"#, 5, "':'"),
        (#"{a: 1}"#, 1, "a string key"),
        (#"{"a": tru}"#, 6, "a value"),
        (#"{"a": 01}"#, 7, "',' or '}'"),
        (#"{"a": -}"#, 7, "a digit"),
        (#"{"a": 1.}"#, 8, "a digit"),
        ("{\"a\": \"x\ty\"}", 8, "'\"' or an escaped control character"),
        (#"{"a": "\x"}"#, 8, "an escape"),
        (#"{"a": 1"#, 7, "',' or '}'"),
        (#"{"a": 1} x"#, 9, "end of document"),
        ("", 0, "a value"),
        (#"{"this is": not json <html>"#, 12, "a value"),
    ])
    func failures(text: String, offset: Int, expected: String) {
        #expect(JSONSyntaxCheck.firstError(in: Array(text.utf8)) == JSONSyntaxCheck.Failure(offset: offset, expected: expected))
    }

    @Test("parse reports the offset and the call, never the body")
    func parse() {
        let body = #"{"password": "hunter2" "x": 1}"#
        #expect(throws: PollError(.decode, "POST /api/backups: response is not valid JSON at byte 23 (expected ',' or '}')")) {
            try JSONSyntaxCheck.parse(Array(body.utf8), context: "POST /api/backups")
        }
    }
}
