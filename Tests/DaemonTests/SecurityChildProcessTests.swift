import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Simulator
import TestSupport
import Testing
import WebServer

/// The real `backup-exporter` binary in a child process, its stderr captured, so what an
/// operator's journal would hold can be searched.
private final class ExporterChild: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let authorization: String?

    init(arguments: [String], environment: [String: String], directory: String, authorization: String? = nil) async throws {
        process = try ChildProcess(executable: "backup-exporter", arguments: arguments + ["--web.listen-address", "127.0.0.1:0"],
                                   environment: environment, directory: directory)
        self.authorization = authorization
        var found: Int?
        let process = self.process
        _ = await eventually(timeout: 20) {
            found = Self.listeningPort(in: process.output)
            return found != nil || !process.process.isRunning
        }
        guard let found else {
            await process.kill9()
            throw ChildFailure.notListening(process.output)
        }
        port = found
    }

    /// From the `listening` line: logfmt `address=127.0.0.1:PORT` or json `"address":"127.0.0.1:PORT"`.
    private static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("listening") {
            guard let range = line.range(of: "127.0.0.1:") else { continue }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            if let port = Int(digits) { return port }
        }
        return nil
    }

    func request(_ path: String, method: HTTPMethod = .GET, authorization: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let value = authorization ?? self.authorization { request.headers.add(name: "Authorization", value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 64 << 20)))
    }

    func metrics() async -> MetricsPage {
        MetricsPage((try? await request("/metrics").body) ?? "")
    }

    /// Safe to call twice: an exited child is not signalled again.
    func stop() async {
        guard process.process.isRunning else { return }
        process.signal(SIGTERM)
        if await process.waitForExit(timeout: 10) == nil { await process.kill9() }
    }
}

private enum ChildFailure: Error, CustomStringConvertible {
    case notListening(String)
    var description: String {
        switch self { case .notListening(let log): "the daemon never logged its listening address:\n\(log)" }
    }
}

@Suite("Security: what the running daemon writes and serves", .serialized)
struct SecurityChildProcessTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test("no password or token appears in any log line, /metrics, /status or error text while every vendor suffers faults")
    func noSecretsAnywhere() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let suite = try await SimulatorSuite.start()
        defer { Task { await suite.stop() } }
        let webPassword = "web-scrape-password-8e4b"
        let wrongWebPassword = "wrong-web-password-c7a0"
        let webHash = try #require(Bcrypt.hash(password: webPassword, cost: 4))

        // Left readable by everyone on purpose: the daemon must warn about it, naming it but not its content.
        let tokenFile = directory + "/inet.token"
        try Data((SimulatorSuite.inetToken + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        chmod(tokenFile, 0o644)
        let configPath = directory + "/config.yaml"
        let goodConfig = suite.demoConfig(tokenFile: tokenFile, interval: "1s", timeout: "1s", jitter: "0%")
        try goodConfig.write(toFile: configPath, atomically: true, encoding: .utf8)
        try "basic_auth_users:\n  prometheus: \(webHash)\n".write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)

        let child = try await ExporterChild(
            arguments: ["run", "--config.file", configPath, "--storage.path", directory + "/state", "--log.level", "debug",
                        "--log.format", "logfmt", "--web.config.file", directory + "/web.yml"],
            environment: ["DEMO_INET_PASSWORD": SimulatorSuite.inetPassword], directory: directory,
            authorization: Self.basic("prometheus", webPassword))
        defer { Task { await child.stop() } }

        var served: [String] = []
        let healthyTargets = ["inet-pdfc", "inet-cowork-basic", "m365-prod", "m365-legacy-v6", "unitrends-appliance",
                              "commvault-commserve", "commvault-xml", "eclypse-ahu", "eclypse-legacy-xml"]
        // Checked four times a second, not twenty: this test shares two cores with timing-sensitive ones.
        func allUp(_ up: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let page = await child.metrics()
                if healthyTargets.allSatisfy({ page.value("backup_target_up", ["target": $0]) == up }) { return true }
                try? await Task.sleep(for: .milliseconds(250))
            }
            return false
        }
        #expect(await allUp(1))
        for fault in [Fault.status(401), .status(500), .malformedBody, .truncatedBody, .hang] {
            for simulator in suite.all { simulator.faults.set(fault) }
            #expect(await allUp(0), "\(fault)")
            served.append(try await child.request("/metrics").body)
            served.append(try await child.request("/status").body)
            for simulator in suite.all { simulator.faults.set(nil) }
            #expect(await allUp(1), "recovery after \(fault)")
        }
        served.append(try await child.request("/status").body)

        // A wrong web password, and broken configs whose broken lines hold secrets.
        let refused = try await child.request("/metrics", authorization: Self.basic("prometheus", wrongWebPassword))
        #expect(refused.status == 401)
        served.append(refused.body)
        let brokenConfigs = [
            goodConfig.replacingOccurrences(of: "password: \(SimulatorSuite.veeamPassword)",
                                            with: "password: \(SimulatorSuite.veeamPassword)\n      passwort: \(SimulatorSuite.veeamPassword)"),
            goodConfig.replacingOccurrences(of: "password: \(SimulatorSuite.unitrendsPassword)",
                                            with: "password: \"\(SimulatorSuite.unitrendsPassword)"),
            goodConfig.replacingOccurrences(of: "password: \(SimulatorSuite.commvaultPassword)",
                                            with: "password: [\(SimulatorSuite.commvaultPassword)]"),
            goodConfig.replacingOccurrences(of: "password: \(SimulatorSuite.eclypsePassword)",
                                            with: "password: $\(SimulatorSuite.eclypsePassword)"),
        ]
        for broken in brokenConfigs {
            #expect(broken != goodConfig)
            try broken.write(toFile: configPath, atomically: true, encoding: .utf8)
            let reload = try await child.request("/-/reload", method: .POST)
            #expect(reload.status == 500)
            served.append(reload.body)
            let check = try ChildProcess(executable: "backup-exporter", arguments: ["check-config", configPath], directory: directory)
            #expect(await check.waitForExit(timeout: 10) == 1)
            served.append(check.output)
        }
        child.process.signal(SIGHUP)
        #expect(await eventually(timeout: 10) { child.process.output.contains("SIGHUP: reloading configuration") })
        try goodConfig.write(toFile: configPath, atomically: true, encoding: .utf8)
        #expect(try await child.request("/-/reload", method: .POST).status == 200)
        await child.stop()

        let log = child.process.output
        // The search below is only worth something if the errors were really written.
        for reason in ["auth", "http", "decode", "timeout"] {
            #expect(log.contains("msg=\"poll failed\"") && log.contains("reason=\(reason)"), "\(reason)")
        }
        #expect(log.contains("msg=\"target inet-pdfc is down: "))
        #expect(log.contains("configuration rejected, keeping the previous one: \(configPath):"))
        #expect(served.contains { $0.contains("backup_target_poll_errors_total{") })
        let everything = ([log] + served).joined(separator: "\n")
        var secrets = [SimulatorSuite.inetToken, SimulatorSuite.inetPassword, SimulatorSuite.veeamPassword,
                       SimulatorSuite.unitrendsPassword, SimulatorSuite.commvaultPassword, SimulatorSuite.eclypsePassword,
                       "not-the-password", webPassword, wrongWebPassword, webHash]
        secrets += [
            (SimulatorSuite.inetUser, SimulatorSuite.inetPassword), (SimulatorSuite.veeamUser, SimulatorSuite.veeamPassword),
            (SimulatorSuite.unitrendsUser, SimulatorSuite.unitrendsPassword), (SimulatorSuite.commvaultUser, SimulatorSuite.commvaultPassword),
            (SimulatorSuite.eclypseUser, SimulatorSuite.eclypsePassword), ("prometheus", webPassword), ("prometheus", wrongWebPassword),
        ].map { Data("\($0.0):\($0.1)".utf8).base64EncodedString() }
        for secret in secrets {
            #expect(!everything.contains(secret), "found \(secret)")
        }
        // Session tokens the simulators issued, asked of the simulators by exact value rather than
        // guessed by a pattern: Veeam's access and refresh tokens, Unitrends' AuthTokens,
        // Commvault's QSDK tokens. Each kind must have been issued, or its search proves nothing.
        let issued = suite.issuedSessionTokens
        for kind in ["veeam access", "veeam refresh", "unitrends", "commvault"] {
            #expect(!(issued[kind] ?? []).isEmpty, "the simulators issued no \(kind) token")
        }
        for (kind, tokens) in issued.sorted(by: { $0.key < $1.key }) {
            let leaked = tokens.filter { everything.contains($0) }
            #expect(leaked == [], "\(kind) tokens leaked (\(leaked.count) of \(tokens.count) issued)")
        }

        let warnings = log.split(separator: "\n").filter { $0.contains("level=warning") && $0.contains("readable by other users") }
        #expect(warnings.count >= 1)
        #expect(warnings.first?.contains("key=targets[0].auth.token_file") == true)
        let tokenLine = (goodConfig.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("token_file:") } ?? -1) + 1
        #expect(warnings.first?.contains("line=\(tokenLine) ") == true)
        #expect(warnings.first?.contains("file=\(configPath)") == true)
        #expect(warnings.first?.contains("'\(tokenFile)' is readable by every user (mode 0644)") == true)
    }

    @Test("a SIGHUP reload logs the same file:line:key message check-config prints")
    func sighupMatchesCheckConfig() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/config.yaml"
        try "targets:\n  - name: a\n    vendor: inet\n    url: http://127.0.0.1:1\n    interval: 1h\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try await ExporterChild(
            arguments: ["run", "--config.file", configPath, "--storage.path", directory + "/state", "--log.format", "json"],
            environment: [:], directory: directory)
        defer { Task { await child.stop() } }

        try "targets:\n  - name: a\n    vendor: inet\n    url: http://127.0.0.1:1\n    auth:\n      password_file: missing\n      username: u\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        child.process.signal(SIGHUP)
        var rejected: String?
        _ = await eventually(timeout: 10) {
            rejected = child.process.output.split(separator: "\n").lazy.compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                      object["event"] == "config_rejected" || object["msg"]?.hasPrefix("configuration rejected") == true else { return nil }
                return object["msg"]
            }.first
            return rejected != nil
        }
        let check = try ChildProcess(executable: "backup-exporter", arguments: ["check-config", configPath], directory: directory)
        #expect(await check.waitForExit(timeout: 10) == 1)
        #expect(check.output.hasPrefix("\(configPath):6: targets[0].auth.password_file: cannot read '\(directory)/missing': no such file"))
        #expect(rejected == "configuration rejected, keeping the previous one: " + check.output.trimmingCharacters(in: .newlines))
        // The old config keeps serving.
        #expect(try await child.request("/-/healthy").status == 200)
        await child.stop()
    }
}
