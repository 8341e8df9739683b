import Foundation
import Simulator
import TestSupport
import Testing

/// `/status` in one style (snake_case, the metrics' words), held to the JSON Schema in
/// docs/status.schema.json, with a failed run's vendor message in it.
@Suite("/status")
struct StatusDocumentTests {
    static let failing = ScriptedJob(id: "def-failing", name: "Failing", waitSeconds: 10, runSeconds: 100, restSeconds: 10,
                                     outcomes: [.failed], sizeBytes: 4096)

    @Test("a live /status validates against docs/status.schema.json and carries the failed run's vendor message")
    func liveStatusMatchesTheSchema() async throws {
        let fixture = try await DaemonFixture(jobs: [Self.failing, DaemonFixture.nightly])
        defer { Task { await fixture.tearDown() } }
        fixture.clock.advance(by: 115)  // past the end of the first run at epoch + 110
        _ = await fixture.waitForMetrics { $0.state(target: "pdfc", job: Self.failing.id) == "failed" }
        let status = try await fixture.get("/status").body
        let path = fixture.directory + "/status.json"
        try status.write(toFile: path, atomically: true, encoding: .utf8)

        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/status.schema.json").standardizedFileURL.path
        let validator = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=str)
            for error in errors[:10]:
                print("/".join(map(str, error.absolute_path)) + ": " + error.message)
            sys.exit(1 if errors else 0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", validator, schema, path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "schema violations: \(text)")

        let json = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
        let pdfc = (json?["targets"] as? [[String: Any]])?.first { $0["name"] as? String == "pdfc" }
        let job = (pdfc?["jobs"] as? [[String: Any]])?.first { $0["id"] as? String == Self.failing.id }
        let run = job?["last_run"] as? [String: Any]
        #expect(run?["state"] as? String == "failed")
        #expect(run?["vendor_message"] as? String == "database: target volume not writable")
    }
}
