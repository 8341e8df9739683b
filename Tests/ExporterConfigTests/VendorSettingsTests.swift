import BackupModel
import ExporterConfig
import Testing

/// Vendor `options:` are decoded by `ConfigLoader` itself: a wrong option is a config error with
/// file, line and key path, with no adapter (and no HTTP client) involved.
struct VendorSettingsTests {
    /// Two targets, the second of `vendor` with `options` (one line each) starting on line 13.
    static func twoTargets(vendor: String, options: String, auth: Bool = true, jobs: Bool = true) -> String {
        var yaml = oneTarget(name: "first") + "  - name: second\n    vendor: \(vendor)\n    url: https://b.example\n"
        if auth { yaml += "    auth:\n      username: monitor\n      password: pw\n" }
        if jobs { yaml += "    jobs: [j1]\n" }
        if !options.isEmpty {
            yaml += "    options:\n" + options.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
        }
        return yaml
    }

    static func settings(_ yaml: String) throws -> VendorSettings {
        try ConfigLoader.parse(yaml: yaml, path: "config.yaml", environment: [:]).targets[1].options
    }

    @Test("each vendor's bad option is reported by the loader with file, line and key", arguments: [
        ("inet", "results_per_definition: 0", "config.yaml:13: targets[1].options.results_per_definition: must be between 1 and 100"),
        ("veeam_m365", "api_version: v3",
         "config.yaml:13: targets[1].options.api_version: must be one of v6, v7, v8 (v3 to v5 were removed from the product)"),
        ("unitrends", "history: 10m",
         "config.yaml:13: targets[1].options.history: must be between 1h and 8784h (the appliance filters by whole hours)"),
        ("commvault", "format: yaml", "config.yaml:13: targets[1].options.format: must be json or xml, not 'yaml'"),
        ("eclypse", "api: v2", "config.yaml:13: targets[1].options.api: must be legacy or jobs, not 'v2'"),
    ])
    func badOption(_ vendor: String, _ options: String, _ expected: String) {
        #expect(parseError(Self.twoTargets(vendor: vendor, options: options))?.description == expected)
    }

    @Test("each vendor refuses an option it does not know", arguments: Vendor.allCases)
    func unknownOption(_ vendor: Vendor) {
        #expect(parseError(Self.twoTargets(vendor: vendor.rawValue, options: "verbose: true"))?.description
                == "config.yaml:13: targets[1].options.verbose: unknown key 'verbose'")
    }

    @Test("absent options are the vendor's defaults, filled in one place", arguments: Vendor.allCases)
    func defaults(_ vendor: Vendor) throws {
        #expect(try Self.settings(Self.twoTargets(vendor: vendor.rawValue, options: "")) == .defaults(for: vendor))
        #expect(TargetConfiguration(name: "t", vendor: vendor, url: "https://h.example").options == .defaults(for: vendor))
    }

    @Test("typed values are decoded, and a null value reads as unset")
    func values() throws {
        #expect(try Self.settings(Self.twoTargets(vendor: "commvault", options: "format: xml\nlookup_window: 1m30s\nmax_jobs: 7\npage_size:\nerrors_as_failed: true"))
                == .commvault(CommvaultOptions(format: .xml, lookupWindow: 90, maxJobs: 7, pageSize: 100, errorsAsFailed: true)))
        #expect(try Self.settings(Self.twoTargets(vendor: "inet", options: "definitions: [daily, weekly]"))
                == .inet(InetOptions(definitions: ["daily", "weekly"])))
        #expect(try Self.settings(Self.twoTargets(vendor: "unitrends", options: "history: 90m\nbackups_per_job: 9"))
                == .unitrends(UnitrendsOptions(historyHours: 2, backupsPerJob: 9)))
        #expect(try Self.settings(Self.twoTargets(vendor: "veeam_m365", options: "api_version: V7\nsessions_per_job: 3\npage_size: 50"))
                == .veeamM365(VeeamM365Options(apiVersion: .v7, sessionsPerJob: 3, pageSize: 50)))
        #expect(try Self.settings(Self.twoTargets(vendor: "eclypse", options: "api: jobs\nformat: xml\nnames: {j1: 7}"))
                == .eclypse(EclypseOptions(api: .jobs, format: .xml, names: ["j1": "7"])))
    }

    @Test("a value of the wrong type names the option's line and key")
    func typeErrors() {
        let cases: [(String, String, String)] = [
            ("inet", "definitions: xml", "targets[1].options.definitions: expected a list of strings"),
            ("inet", "results_per_definition: xml", "targets[1].options.results_per_definition: expected an integer"),
            ("commvault", "errors_as_failed: 50", "targets[1].options.errors_as_failed: expected true or false"),
            ("commvault", "lookup_window: true",
             "targets[1].options.lookup_window: invalid duration 'true' (expected a Go-style duration like 500ms, 30s, 5m or 1h30m)"),
            ("commvault", "format: {a: 1}", "targets[1].options.format: expected a string"),
        ]
        for (vendor, options, expected) in cases {
            #expect(parseError(Self.twoTargets(vendor: vendor, options: options))?.description == "config.yaml:13: " + expected)
        }
        #expect(parseError(Self.twoTargets(vendor: "inet", options: "definitions:\n  - d1\n  - {id: d2}"))?.description
                == "config.yaml:15: targets[1].options.definitions[1]: expected a string")
    }

    @Test("an unknown option is named with a suggestion, also after valid ones")
    func unknownKeys() {
        #expect(parseError(Self.twoTargets(vendor: "inet", options: "definitons: [a]"))?.description
                == "config.yaml:13: targets[1].options.definitons: unknown key 'definitons' (did you mean 'definitions'?)")
        #expect(parseError(Self.twoTargets(vendor: "inet", options: "results_per_definition: 3\npage_size: 10"))?.description
                == "config.yaml:14: targets[1].options.page_size: unknown key 'page_size'")
    }

    @Test("ECLYPSE names map job ids of the target's jobs: to strings")
    func eclypseNames() {
        #expect(parseError(Self.twoTargets(vendor: "eclypse", options: "names: [a]"))?.description
                == "config.yaml:13: targets[1].options.names: expected a mapping")
        #expect(parseError(Self.twoTargets(vendor: "eclypse", options: "names:\n  j1: [b]"))?.description
                == "config.yaml:14: targets[1].options.names.j1: expected a string")
        #expect(parseError(Self.twoTargets(vendor: "eclypse", options: "names:\n  other-id: X"))?.description
                == "config.yaml:14: targets[1].options.names: names job id 'other-id', which is not in the target's jobs: list")
    }

    @Test("what a vendor needs beyond its options is checked at the target's line", arguments: [
        ("commvault", "config.yaml:5: targets[1].auth: commvault needs auth.username and a password (POST /Login)"),
        ("unitrends", "config.yaml:5: targets[1].auth: unitrends needs auth.username and a password (POST /api/login)"),
        ("veeam_m365", "config.yaml:5: targets[1].auth: veeam_m365 needs auth.username and a password (the password grant of POST /Token)"),
        ("eclypse", "config.yaml:5: targets[1].auth: eclypse needs auth.username and a password (HTTP Basic)"),
    ])
    func credentials(_ vendor: String, _ expected: String) {
        #expect(parseError(Self.twoTargets(vendor: vendor, options: "", auth: false))?.description == expected)
        #expect(parseError(Self.twoTargets(vendor: "inet", options: "", auth: false)) == nil)
    }

    @Test("ECLYPSE has no job list, so jobs: is required")
    func eclypseJobs() {
        #expect(parseError(Self.twoTargets(vendor: "eclypse", options: "", jobs: false))?.description
                == "config.yaml:5: targets[1].jobs: eclypse has no list of backup jobs: name the job ids to follow in jobs:")
    }
}
