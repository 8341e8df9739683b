import ExporterConfig
import Foundation
import TestSupport
import Testing

@Suite("Security: secret files readable by other users")
struct SecurityPasswordFileTests {
    @Test("a password or token file others can read loads with a warning naming the file and key, never the content",
          arguments: [(0o644 as mode_t, "every user (mode 0644)"), (0o640, "its group (mode 0640)"), (0o604, "every user (mode 0604)")])
    func readableSecretFileWarns(mode: mode_t, who: String) throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "secret-content-3f9a\n".write(toFile: directory + "/password", atomically: true, encoding: .utf8)
        try "token-content-77c1\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        chmod(directory + "/password", mode)
        chmod(directory + "/token", 0o600)
        try """
            targets:
              - name: a
                vendor: inet
                url: http://127.0.0.1:1
                auth:
                  username: monitor
                  password_file: password
                  token_file: token
            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(path: directory + "/config.yaml", environment: [:])
        #expect(configuration.warnings.map(\.description) == [
            "\(directory)/config.yaml:7: targets[0].auth.password_file: '\(directory)/password' is readable by \(who); make it readable by the daemon only, e.g. chmod 600, or use systemd credentials",
        ])
        #expect(configuration.targets[0].auth.password?.reveal() == "secret-content-3f9a")
    }

    @Test("files only the owner can read give no warning")
    func privateFilesAreQuiet() throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "t\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        chmod(directory + "/token", 0o600)
        try "targets:\n  - name: a\n    vendor: inet\n    url: http://127.0.0.1:1\n    auth:\n      token_file: token\n"
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        #expect(try ConfigLoader.load(path: directory + "/config.yaml", environment: [:]).warnings == [])
    }
}
