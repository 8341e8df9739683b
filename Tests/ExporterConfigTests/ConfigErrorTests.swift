import ExporterConfig
import TestSupport
import Testing

/// Every message is checked as the operator reads it: `file:line: key: message`.
struct ConfigErrorTests {
    @Test("the description has file, line and key, and leaves out what is missing")
    func descriptionShape() {
        #expect(ConfigError(file: "c.yaml", line: 3, key: "targets[0].url", message: "bad").description
                == "c.yaml:3: targets[0].url: bad")
        #expect(ConfigError(file: "c.yaml", line: nil, key: "targets", message: "bad").description == "c.yaml: targets: bad")
        #expect(ConfigError(file: "c.yaml", line: 7, key: "", message: "bad").description == "c.yaml:7: bad")
    }

    @Test("unknown keys at every level are named, with the closest known key", arguments: [
        ("defaults:\n  intervall: 1m\n" + oneTarget(), "config.yaml:2: defaults.intervall: unknown key 'intervall' (did you mean 'interval'?)"),
        ("target:\n  - name: x\n", "config.yaml:1: target: unknown key 'target' (did you mean 'targets'?)"),
        (oneTarget("intervall: 1m"), "config.yaml:5: targets[0].intervall: unknown key 'intervall' (did you mean 'interval'?)"),
        (oneTarget("colour: red"), "config.yaml:5: targets[0].colour: unknown key 'colour'"),
        (oneTarget("auth:\n  username: u\n  pasword: p"), "config.yaml:7: targets[0].auth.pasword: unknown key 'pasword' (did you mean 'password'?)"),
        (oneTarget("tls:\n  ca-file: x.pem"), "config.yaml:6: targets[0].tls.ca-file: unknown key 'ca-file' (did you mean 'ca_file'?)"),
    ])
    func unknownKeys(yaml: String, expected: String) {
        #expect(parseError(yaml)?.description == expected)
    }

    @Test("bad durations name the value and the expected form", arguments: ["5x", "-1s", "1d", "60"])
    func badDuration(text: String) {
        #expect(parseError(oneTarget("interval: \(text)"))?.description
                == "config.yaml:5: targets[0].interval: invalid duration '\(text)' (expected a Go-style duration like 500ms, 30s, 5m or 1h30m)")
    }

    @Test("a zero interval or timeout is refused")
    func zeroDurations() {
        #expect(parseError(oneTarget("interval: 0s"))?.description == "config.yaml:5: targets[0].interval: must be greater than 0")
        #expect(parseError("defaults:\n  timeout: 0\n" + oneTarget())?.description == "config.yaml:2: defaults.timeout: must be greater than 0")
    }

    @Test("jitter must be a percentage from 0% to 100%", arguments: ["150%", "10", "-5%", "abc%", "0.1"])
    func badJitter(text: String) {
        #expect(parseError(oneTarget("jitter: \"\(text)\""))?.description
                == "config.yaml:5: targets[0].jitter: invalid jitter '\(text)' (expected a percentage from 0% to 100%, like 10%)")
    }

    @Test("a bad time zone or response size is refused")
    func badTimezoneAndSize() {
        #expect(parseError(oneTarget("timezone: Mars/Olympus"))?.description
                == "config.yaml:5: targets[0].timezone: unknown time zone 'Mars/Olympus' (expected an IANA name like UTC or Europe/Berlin)")
        #expect(parseError(oneTarget("max_response_bytes: 12XB"))?.description
                == "config.yaml:5: targets[0].max_response_bytes: invalid size '12XB' (expected a positive byte count like 33554432, 512KiB, 32MiB or 1MB)")
        #expect(parseError(oneTarget("max_response_bytes: 0"))?.description
                == "config.yaml:5: targets[0].max_response_bytes: invalid size '0' (expected a positive byte count like 33554432, 512KiB, 32MiB or 1MB)")
    }

    @Test("a duplicate target name names both lines")
    func duplicateNames() {
        let yaml = """
            targets:
              - name: a
                vendor: inet
                url: https://a.example
              - name: b
                vendor: inet
                url: https://b.example
              - name: a
                vendor: inet
                url: https://c.example
            """
        #expect(parseError(yaml)?.description == "config.yaml:8: targets[2].name: duplicate target name 'a' (first used on line 2)")
    }

    @Test("an invalid target name is refused")
    func invalidName() {
        #expect(parseError(oneTarget(name: "\"m365 prod\""))?.description
                == "config.yaml:2: targets[0].name: invalid target name 'm365 prod' (use only letters, digits, '_', '.' and '-')")
    }

    @Test("an unknown vendor lists the known ones")
    func unknownVendor() {
        #expect(parseError(oneTarget(vendor: "veeam"))?.description
                == "config.yaml:3: targets[0].vendor: unknown vendor 'veeam'; expected one of: inet, eclypse, veeam_m365, commvault, unitrends")
        #expect(parseError(oneTarget(vendor: "comvault"))?.description
                == "config.yaml:3: targets[0].vendor: unknown vendor 'comvault' (did you mean 'commvault'?); expected one of: inet, eclypse, veeam_m365, commvault, unitrends")
    }

    @Test("urls must be absolute http or https with a host, without credentials, query or fragment", arguments: [
        ("vbo.example.net", "config.yaml:4: targets[0].url: 'vbo.example.net' is not an absolute http:// or https:// URL with a host"),
        ("ftp://h.example", "config.yaml:4: targets[0].url: 'ftp://h.example' is not an absolute http:// or https:// URL with a host"),
        ("https://", "config.yaml:4: targets[0].url: 'https://' is not an absolute http:// or https:// URL with a host"),
        ("https://h.example/?a=1", "config.yaml:4: targets[0].url: 'https://h.example/?a=1' must not have a query or fragment (vendor paths are appended to it)"),
        ("https://user:pw@h.example", "config.yaml:4: targets[0].url: expected an absolute http:// or https:// URL without credentials"),
    ])
    func badURL(url: String, expected: String) {
        #expect(parseError(oneTarget(url: url))?.description == expected)
    }

    @Test("required keys and a required non-empty target list")
    func requiredKeys() {
        #expect(parseError("targets:\n  - vendor: inet\n    url: https://h.example\n")?.description
                == "config.yaml:2: targets[0].name: missing required key")
        #expect(parseError("defaults:\n  interval: 1m\n")?.description == "config.yaml:1: targets: missing required key")
        #expect(parseError("targets: []\n")?.description == "config.yaml:1: targets: needs at least one target")
        #expect(parseError("targets:\n  name: a\n")?.description == "config.yaml:2: targets: expected a list of targets")
        #expect(parseError("")?.description == "config.yaml: targets: missing required key (the file is empty)")
        #expect(parseError("- a\n")?.description == "config.yaml:1: expected a mapping")
        #expect(parseError("targets:\n  - just-a-word\n")?.description == "config.yaml:2: targets[0]: expected a mapping")
    }

    @Test("values of the wrong type are named")
    func wrongTypes() {
        #expect(parseError(oneTarget("jobs: nightly"))?.description == "config.yaml:5: targets[0].jobs: expected a list of strings")
        #expect(parseError(oneTarget("jobs: [a, [b]]"))?.description == "config.yaml:5: targets[0].jobs[1]: expected a string")
        #expect(parseError(oneTarget("tls:\n  insecure_skip_verify: \"true\""))?.description
                == "config.yaml:6: targets[0].tls.insecure_skip_verify: expected true or false")
        #expect(parseError(oneTarget("auth: token"))?.description == "config.yaml:5: targets[0].auth: expected a mapping")
        #expect(parseError(oneTarget("name2: {a: 1}"))?.description == "config.yaml:5: targets[0].name2: unknown key 'name2' (did you mean 'name'?)")
    }

    @Test("options must be a mapping")
    func optionsNotMapping() {
        #expect(parseError(oneTarget("options: [format, json]"))?.description == "config.yaml:5: targets[0].options: expected a mapping")
        #expect(parseError(oneTarget("options: json"))?.description == "config.yaml:5: targets[0].options: expected a mapping")
    }

    @Test("YAML syntax errors carry the line but never quote the source")
    func syntaxErrors() {
        let tab = parseError("targets:\n  - name: a\n    password: hunter2: x\n")
        #expect(tab?.description == "config.yaml:3: invalid YAML: mapping values are not allowed in this context at column 22")
        #expect(tab?.description.contains("hunter2") == false)
        let unclosed = parseError("targets:\n  - name: \"a\n    vendor: inet\n")
        #expect(unclosed?.line == 4)
        #expect(unclosed?.key == "")
        #expect(unclosed?.description.hasPrefix("config.yaml:4: invalid YAML: found unexpected end of stream") == true)
        #expect(parseError("targets:\n  - name: a\n    name: b\n")?.description
                == "config.yaml:2: invalid YAML: key 'name' appears more than once in the same mapping")
    }

    @Test("a config file that cannot be read is named")
    func unreadableFile() throws {
        let folder = try TemporaryDirectory()
        let missing = folder.path + "/nope.yaml"
        #expect(throws: ConfigError(file: missing, line: nil, key: "", message: "cannot read the config file: no such file")) {
            try ConfigLoader.load(path: missing, environment: [:])
        }
        #expect(throws: ConfigError(file: folder.path, line: nil, key: "", message: "cannot read the config file: is a directory")) {
            try ConfigLoader.load(path: folder.path, environment: [:])
        }
    }
}
