import Foundation
import TestSupport
import Testing

@Suite("HTTP endpoints")
struct EndpointTests {
    @Test("/metrics answers the exact text content type and passes promtool check metrics")
    func metricsPageIsValid() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        _ = await fixture.waitForMetrics { $0.value("backup_target_up", ["target": "pdfc"]) == 1 }
        let page = try await fixture.get("/metrics")
        #expect(page.status == 200)
        #expect(page.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(page.body.contains("# TYPE backup_job_state gauge"))
        #expect(page.body.contains("# TYPE process_resident_memory_bytes gauge"))
        #expect(page.body.contains(#"backup_exporter_build_info{version="test",swift_version="6"} 1"#))

        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(promtool != nil, "promtool not found: install Debian's prometheus package (.ci/run does)")
        let input = fixture.directory + "/page.prom"
        try page.body.write(toFile: input, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool!)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text == "", "promtool complained: \(text)")
    }

    @Test("OpenMetrics only when Accept asks for it")
    func openMetricsNegotiation() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        let page = try await fixture.get("/metrics", accept: "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5")
        #expect(page.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(page.body.hasSuffix("# EOF\n"))
    }

    @Test("health, readiness, landing page, 404 and /status without secrets")
    func otherEndpoints() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        _ = await fixture.waitForMetrics { $0.value("backup_target_up", ["target": "cowork"]) == 1 }
        let healthy = try await fixture.get("/-/healthy")
        let ready = try await fixture.get("/-/ready")
        let landing = try await fixture.get("/")
        let missing = try await fixture.get("/nope")
        #expect(healthy.body == "Healthy.\n")
        #expect(ready.status == 200)
        #expect(landing.body.contains("href=\"/metrics\""))
        #expect(missing.status == 404)
        let status = try await fixture.get("/status")
        #expect(status.contentType == "application/json")
        let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        let targets = json?["targets"] as? [[String: Any]]
        #expect(targets?.map { $0["name"] as? String } == ["pdfc", "cowork"])
        #expect(targets?.first?["auth"] as? String == "bearer token")
        #expect(targets?.last?["auth"] as? String == "basic user=monitor")
        #expect(!status.body.contains(DaemonFixture.token))
        #expect(!status.body.contains(DaemonFixture.password))
        let metrics = try await fixture.get("/metrics").body
        #expect(!metrics.contains(DaemonFixture.token) && !metrics.contains(DaemonFixture.password))
    }
}
