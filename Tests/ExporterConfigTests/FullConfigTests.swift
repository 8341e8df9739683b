import BackupModel
import ExporterConfig
import TestSupport
import Testing

struct FullConfigTests {
    @Test("every documented key is parsed into the exact configuration")
    func everyKey() throws {
        let folder = try TemporaryDirectory()
        try folder.write("secrets/m365", "m365-pass\n")
        try folder.write("ca.pem", "-----BEGIN CERTIFICATE-----\n")
        let credentials = try TemporaryDirectory()
        try credentials.write("unitrends-token", "ut-token\r\n")
        let configPath = try folder.write("config.yaml", """
            defaults:
              interval: 2m
              timeout: 20s
              jitter: 25%
              timezone: Europe/Berlin
              max_response_bytes: 512KiB
            targets:
              - name: m365-prod
                vendor: veeam_m365
                url: https://vbo.example.net:4443/
                auth:
                  username: monitor
                  password_file: secrets/m365
                tls:
                  ca_file: ca.pem
                  insecure_skip_verify: true
                jobs: [job-1, "job 2"]
                interval: 30s
                timeout: 1m30s
                jitter: 0%
                timezone: America/New_York
                max_response_bytes: 1048576
                max_age: 30h
                job_max_age:
                  job-1: 48h
                options:
                  api_version: v7
                  sessions_per_job: 3
              - name: token.dc1
                vendor: inet
                url: http://cv.example.net/api//
                auth:
                  token_env: CV_TOKEN
              - name: inet_1
                vendor: inet
                url: https://inet.example.net
                auth:
                  username: ${INET_USER}
                  password_env: INET_PASSWORD
              - name: eclypse
                vendor: eclypse
                url: https://eclypse.example.net
                auth:
                  username: admin
                  password: "pa$$word"
                jobs: [e1]
                max_response_bytes: 1MB
              - name: Token-1
                vendor: inet
                url: https://ut.example.net
                auth:
                  token_file: ${CREDENTIALS_DIRECTORY}/unitrends-token
              - name: token-2
                vendor: inet
                url: https://ut2.example.net
                auth:
                  token: literal-token
                tls: {}
            """)
        let environment = [
            "CV_TOKEN": "cv-token", "INET_USER": "svc-inet", "INET_PASSWORD": "inet-pass",
            "CREDENTIALS_DIRECTORY": credentials.path,
        ]
        let config = try ConfigLoader.load(path: configPath, environment: environment)
        #expect(config.sourcePath == configPath)
        #expect(config.targets.count == 6)
        guard config.targets.count == 6 else { return }

        var m365 = config.targets[0]
        #expect(m365.options == .veeamM365(VeeamM365Options(apiVersion: .v7, sessionsPerJob: 3)))
        #expect(m365.file == configPath)
        m365.options = .defaults(for: .veeamM365)
        m365.file = ""
        #expect(m365 == TargetConfiguration(
            name: "m365-prod", vendor: .veeamM365, url: "https://vbo.example.net:4443",
            auth: AuthConfiguration(username: "monitor", password: Secret("m365-pass")),
            tls: TLSConfiguration(caFile: folder.path + "/ca.pem", insecureSkipVerify: true),
            jobs: ["job-1", "job 2"], interval: 30, timeout: 90, jitter: 0, timezone: "America/New_York",
            maxResponseBytes: 1_048_576, maxAge: 108_000, jobMaxAge: ["job-1": 172_800], line: 8))

        let inheriting = { (target: TargetConfiguration, expected: TargetConfiguration) in
            var target = target
            #expect(target.options == .defaults(for: target.vendor))
            target.file = ""
            #expect(target == expected)
        }
        inheriting(config.targets[1], TargetConfiguration(
            name: "token.dc1", vendor: .inet, url: "http://cv.example.net/api",
            auth: AuthConfiguration(token: Secret("cv-token")),
            interval: 120, timeout: 20, jitter: 0.25, timezone: "Europe/Berlin", maxResponseBytes: 524_288, line: 29))
        inheriting(config.targets[2], TargetConfiguration(
            name: "inet_1", vendor: .inet, url: "https://inet.example.net",
            auth: AuthConfiguration(username: "svc-inet", password: Secret("inet-pass")),
            interval: 120, timeout: 20, jitter: 0.25, timezone: "Europe/Berlin", maxResponseBytes: 524_288, line: 34))
        inheriting(config.targets[3], TargetConfiguration(
            name: "eclypse", vendor: .eclypse, url: "https://eclypse.example.net",
            auth: AuthConfiguration(username: "admin", password: Secret("pa$word")), jobs: ["e1"],
            interval: 120, timeout: 20, jitter: 0.25, timezone: "Europe/Berlin", maxResponseBytes: 1_000_000, line: 40))
        inheriting(config.targets[4], TargetConfiguration(
            name: "Token-1", vendor: .inet, url: "https://ut.example.net",
            auth: AuthConfiguration(token: Secret("ut-token")),
            interval: 120, timeout: 20, jitter: 0.25, timezone: "Europe/Berlin", maxResponseBytes: 524_288, line: 48))
        inheriting(config.targets[5], TargetConfiguration(
            name: "token-2", vendor: .inet, url: "https://ut2.example.net",
            auth: AuthConfiguration(token: Secret("literal-token")),
            interval: 120, timeout: 20, jitter: 0.25, timezone: "Europe/Berlin", maxResponseBytes: 524_288, line: 53))
    }

    @Test("built-in defaults apply when neither defaults nor the target set a key")
    func builtInDefaults() throws {
        let config = try ConfigLoader.parse(yaml: oneTarget(), path: "c.yaml", environment: [:])
        var target = config.targets[0]
        target.file = ""
        #expect(target == TargetConfiguration(
            name: "t1", vendor: .inet, url: "https://h.example", auth: AuthConfiguration(), tls: TLSConfiguration(),
            jobs: [], interval: 60, timeout: 15, jitter: 0.1, timezone: "UTC", maxResponseBytes: 33_554_432,
            line: 2))
    }

    @Test("defaults override the built-ins and each target overrides the defaults on its own")
    func defaultsThenTarget() throws {
        let yaml = """
            defaults:
              interval: 5m
              timeout: 10m
            targets:
              - name: a
                vendor: inet
                url: https://a.example
              - name: b
                vendor: inet
                url: https://b.example
                interval: 10s
                jitter: 50%
                max_response_bytes: "2MiB"
            """
        let targets = try ConfigLoader.parse(yaml: yaml, path: "c.yaml", environment: [:]).targets
        #expect(targets.map(\.interval) == [300, 10])
        #expect(targets.map(\.timeout) == [600, 600])
        #expect(targets.map(\.jitter) == [0.1, 0.5])
        #expect(targets.map(\.maxResponseBytes) == [33_554_432, 2_097_152])
    }

    @Test("a timeout longer than the interval is allowed")
    func timeoutMayExceedInterval() throws {
        let config = try ConfigLoader.parse(yaml: oneTarget("interval: 10s\ntimeout: 1m"), path: "c.yaml", environment: [:])
        #expect(config.targets[0].interval == 10)
        #expect(config.targets[0].timeout == 60)
    }

    @Test("a null value reads as unset and an empty jobs list means all jobs")
    func nullIsUnset() throws {
        let config = try ConfigLoader.parse(yaml: oneTarget("interval:\njobs: []\noptions:\ntls:"), path: "c.yaml", environment: [:])
        #expect(config.targets[0].interval == 60)
        #expect(config.targets[0].jobs == [])
        #expect(config.targets[0].options == .defaults(for: .inet))
        #expect(config.targets[0].tls == TLSConfiguration())
    }

    @Test("$$ is a literal dollar and ${NAME} expands in any string, including options")
    func expansion() throws {
        let yaml = oneTarget("jobs: [\"${JOB}\", \"a$$b\", \"cost $5\"]\noptions:\n  definitions: [\"${HOST}-x\"]")
        let config = try ConfigLoader.parse(yaml: yaml, path: "c.yaml", environment: ["JOB": "nightly", "HOST": "h1"])
        #expect(config.targets[0].jobs == ["nightly", "a$b", "cost $5"])
        #expect(config.targets[0].options == .inet(InetOptions(definitions: ["h1-x"])))
    }
}
