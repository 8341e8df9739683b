import Foundation
import TestSupport
import Testing

@Suite("Reload")
struct ReloadTests {
    @Test("a valid new config adds and removes targets and reports success")
    func validReloadChangesTargets() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        _ = await fixture.waitForMetrics { $0.value("backup_target_up", ["target": "cowork"]) == 1 }

        try fixture.writeConfig("""
            defaults:
              interval: 200ms
              timeout: 1s
              jitter: 0%
            targets:
              - name: pdfc
                vendor: inet
                url: \(fixture.simulator.baseURL)
                auth:
                  token_file: token
              - name: pdfc-2
                vendor: inet
                url: \(fixture.simulator.baseURL)
                auth:
                  token: ${INET_TOKEN_MISSING:-x}
            """.replacingOccurrences(of: "${INET_TOKEN_MISSING:-x}", with: DaemonFixture.token))
        let result = await fixture.daemon.reload()
        #expect((try? result.get()) == 2)
        let page = await fixture.waitForMetrics { $0.value("backup_target_up", ["target": "pdfc-2"]) == 1 }
        #expect(page.value("backup_target_up", ["target": "pdfc-2"]) == 1)
        #expect(page.value("backup_target_up", ["target": "cowork"]) == nil)
        #expect(page.value("backup_exporter_config_last_reload_successful") == 1)
    }

    @Test("a broken config is rejected with file:line:key, the old one keeps running, and the gauge says 0")
    func brokenReloadKeepsOldConfig() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        _ = await fixture.waitForMetrics { $0.value("backup_target_up", ["target": "cowork"]) == 1 }
        try fixture.writeConfig("targets:\n  - name: only\n    vendor: inet\n    url: http://127.0.0.1:1\n    interval: 5x\n")

        let result = await fixture.daemon.reload()
        guard case .failure(let error) = result else {
            Issue.record("reload of a broken config succeeded")
            return
        }
        #expect(error.description.hasPrefix(fixture.configPath + ":5: targets[0].interval:"))
        let pollsBefore = await fixture.metrics().value("backup_target_polls_total", ["target": "cowork"]) ?? 0
        let page = await fixture.waitForMetrics { ($0.value("backup_target_polls_total", ["target": "cowork"]) ?? 0) >= pollsBefore + 3 }
        #expect(page.value("backup_exporter_config_last_reload_successful") == 0)
        #expect(page.value("backup_target_up", ["target": "pdfc"]) == 1)
        #expect(page.value("backup_target_up", ["target": "only"]) == nil)
    }

    @Test("POST /-/reload reloads; GET is refused with 405")
    func reloadEndpoint() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        let get = try await fixture.get("/-/reload")
        #expect(get.status == 405)
        let post = try await fixture.get("/-/reload", method: .POST)
        #expect(post.status == 200)
        #expect(post.body == "Reloaded 2 targets.\n")
        try fixture.writeConfig("targets: []\nbogus: 1\n")
        let broken = try await fixture.get("/-/reload", method: .POST)
        #expect(broken.status == 500)
        #expect(broken.body.contains(fixture.configPath))
    }

    @Test("check-config gives the same message for a broken file as a reload does")
    func checkConfigMatchesReload() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        try fixture.writeConfig("targets:\n  - name: a\n    vendor: inet\n    url: http://127.0.0.1:1\n    auth:\n      password_file: missing\n      username: u\n")
        guard case .failure(let reloadError) = await fixture.daemon.reload() else {
            Issue.record("reload accepted a config with a missing password file")
            return
        }
        let check = try ChildProcess(executable: "backup-exporter", arguments: ["check-config", fixture.configPath], directory: fixture.directory)
        #expect(await check.waitForExit(timeout: 10) == 1)
        #expect(check.output == reloadError.description + "\n")
        #expect(check.output.contains(":6: targets[0].auth.password_file:"))
    }

    @Test("check-config checks --web.config.file too: a broken one fails with file, line and key, a good one is summarised")
    func checkConfigWebConfigFile() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/config.yaml"
        try "targets:\n  - { name: a, vendor: inet, url: \"http://127.0.0.1:1\", auth: { token: t } }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let web = directory + "/web.yml"
        try "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n".write(toFile: web, atomically: true, encoding: .utf8)
        let broken = try ChildProcess(
            executable: "backup-exporter", arguments: ["check-config", config, "--web.config.file", web], directory: directory)
        #expect(await broken.waitForExit(timeout: 10) == 1)
        #expect(broken.output.contains(web + ":2: tls_server_config.cert_file:"), "\(broken.output)")

        try "basic_auth_users:\n  prometheus: \"\(WebConfigFileTests.vectorHash)\"\n".write(toFile: web, atomically: true, encoding: .utf8)
        let good = try ChildProcess(
            executable: "backup-exporter", arguments: ["check-config", config, "--web.config.file", web], directory: directory)
        #expect(await good.waitForExit(timeout: 10) == 0)
        #expect(good.output.contains(web + ": OK, TLS off, basic auth on"), "\(good.output)")
        #expect(!good.output.contains(WebConfigFileTests.vectorHash))
    }

    /// The binary links FoundationEssentials only, where `TimeZone` knows no IANA name; the test
    /// process links full Foundation (with ICU) and would not notice. So the binary is asked.
    @Test("the binary reads a target's IANA time zone from the system's tz database, and refuses an unknown one")
    func checkConfigTimeZone() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/config.yaml"
        func write(zone: String) throws {
            try "targets:\n  - { name: a, vendor: unitrends, url: \"http://127.0.0.1:1\", auth: { username: u, password: p }, timezone: \(zone) }\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
        }
        try write(zone: "America/New_York")
        let known = try ChildProcess(executable: "backup-exporter", arguments: ["check-config", config], directory: directory)
        #expect(await known.waitForExit(timeout: 10) == 0, "\(known.output)")

        try write(zone: "Mars/Olympus_Mons")
        let unknown = try ChildProcess(executable: "backup-exporter", arguments: ["check-config", config], directory: directory)
        #expect(await unknown.waitForExit(timeout: 10) == 1)
        #expect(unknown.output.contains(":2: targets[0].timezone: unknown time zone 'Mars/Olympus_Mons'"), "\(unknown.output)")
    }
}
