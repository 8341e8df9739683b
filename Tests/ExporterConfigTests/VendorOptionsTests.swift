import ExporterConfig
import Testing

struct VendorOptionsTests {
    let yaml = oneTarget("""
        options:
          format: xml
          definitions: [daily, weekly]
          page_size: 50
          verbose: true
          settle: 1m30s
          nested: {a: 1}
          blank:
        """)

    func options() throws -> VendorOptions {
        try ConfigLoader.parse(yaml: yaml, path: "config.yaml", environment: [:]).targets[0].options
    }

    @Test("typed getters read values and return nil for absent or null keys")
    func getters() throws {
        let options = try options()
        #expect(options.keys == ["format", "definitions", "page_size", "verbose", "settle", "nested", "blank"])
        #expect(try options.string("format") == "xml")
        #expect(try options.string("page_size") == "50")
        #expect(try options.stringList("definitions") == ["daily", "weekly"])
        #expect(try options.int("page_size") == 50)
        #expect(try options.bool("verbose") == true)
        #expect(try options.duration("settle") == 90)
        #expect(try options.string("missing") == nil)
        #expect(try options.string("blank") == nil)
        #expect(try options.int("blank") == nil)
    }

    @Test("getters report a wrong type with file, line and the option's key")
    func typeErrors() throws {
        let options = try options()
        #expect(throws: ConfigError(file: "config.yaml", line: 6, key: "targets[0].options.format", message: "expected a list of strings")) {
            try options.stringList("format")
        }
        #expect(throws: ConfigError(file: "config.yaml", line: 6, key: "targets[0].options.format", message: "expected an integer")) {
            try options.int("format")
        }
        #expect(throws: ConfigError(file: "config.yaml", line: 8, key: "targets[0].options.page_size", message: "expected true or false")) {
            try options.bool("page_size")
        }
        #expect(throws: ConfigError(file: "config.yaml", line: 9, key: "targets[0].options.verbose",
                                    message: "invalid duration 'true' (expected a Go-style duration like 500ms, 30s, 5m or 1h30m)")) {
            try options.duration("verbose")
        }
        #expect(throws: ConfigError(file: "config.yaml", line: 11, key: "targets[0].options.nested", message: "expected a string")) {
            try options.string("nested")
        }
    }

    @Test("rejectUnknownKeys names the first unknown option with a suggestion")
    func unknownKeys() throws {
        let options = try options()
        #expect(throws: ConfigError(file: "config.yaml", line: 8, key: "targets[0].options.page_size",
                                    message: "unknown key 'page_size' (did you mean 'pagesize'?)")) {
            try options.rejectUnknownKeys(allowed: ["format", "definitions", "pagesize"])
        }
        try options.rejectUnknownKeys(allowed: Set(options.keys))
    }

    @Test("error() points at the option's line, or at the target when the option is absent")
    func adapterErrors() throws {
        let options = try options()
        #expect(options.error("format", "format must be json or xml").description
                == "config.yaml:6: targets[0].options.format: format must be json or xml")
        let bare = try ConfigLoader.parse(yaml: oneTarget(), path: "config.yaml", environment: [:]).targets[0].options
        #expect(bare.error("format", "required for this vendor").description
                == "config.yaml:2: targets[0].options.format: required for this vendor")
        #expect(VendorOptions.empty.keys == [])
        #expect(try VendorOptions.empty.string("format") == nil)
    }

    @Test("stringMap reads a mapping of ids to names and locates wrong shapes")
    func stringMaps() throws {
        let yaml = oneTarget("""
            options:
              names:
                c83b7cd2-e5df-4dcc-9e9e-301927c76a30: Nightly
                "42": 7
              list: [a]
              nested_list:
                a: [b]
            """)
        let options = try ConfigLoader.parse(yaml: yaml, path: "config.yaml", environment: [:]).targets[0].options
        #expect(try options.stringMap("names") == ["c83b7cd2-e5df-4dcc-9e9e-301927c76a30": "Nightly", "42": "7"])
        #expect(try options.stringMap("missing") == nil)
        #expect(throws: ConfigError(file: "config.yaml", line: 9, key: "targets[0].options.list", message: "expected a mapping")) {
            try options.stringMap("list")
        }
        #expect(throws: ConfigError(file: "config.yaml", line: 11, key: "targets[0].options.nested_list.a", message: "expected a string")) {
            try options.stringMap("nested_list")
        }
    }
}
