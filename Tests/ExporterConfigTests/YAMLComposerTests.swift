@testable import ExporterConfig
import Testing

/// The config's own YAML reading on libyaml: what YAML 1.1 says a plain scalar is, aliases, and
/// the limits a hostile file meets. Expected values are worked out from the YAML 1.1 type
/// pages (bool, int, null), which the config has been read with since it was written.
struct YAMLComposerTests {
    private func scalar(_ text: String) throws -> YAMLScalar? {
        guard let node = try YAMLComposer.compose("value: \(text)\n", file: "c.yaml"),
              case .mapping(let pairs) = node.content, case .scalar(let scalar) = pairs.first?.value.content else { return nil }
        return scalar
    }

    @Test("plain integers in every YAML 1.1 form; quoted or malformed ones are not integers", arguments: [
        ("8080", 8080), ("+5", 5), ("-12", -12), ("1_000", 1000), ("0", 0), ("0x1F", 31), ("-0x10", -16),
        ("0b101", 5), ("0o17", 15), ("010", 8), ("1:30", 90),
    ])
    func integers(text: String, value: Int) throws {
        #expect(try scalar(text)?.int == value)
    }

    @Test("not integers", arguments: ["\"8080\"", "'10'", "0x-5", "--5", "1e3", "12a", "0x", "+", "!!str 5", "|\n  5"])
    func notIntegers(text: String) throws {
        #expect(try scalar(text)?.int == nil)
    }

    @Test("the eighteen YAML 1.1 spellings of a boolean, and only plain ones")
    func booleans() throws {
        for word in ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"] { #expect(try scalar(word)?.bool == true) }
        for word in ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"] { #expect(try scalar(word)?.bool == false) }
        for text in ["\"true\"", "'no'", "tRUE", "1", "y", "!!str true"] { #expect(try scalar(text)?.bool == nil) }
        #expect(try scalar("!!bool \"yes\"")?.bool == true)
    }

    @Test("null is an empty plain value, ~ or null; a quoted one is text")
    func nulls() throws {
        for text in ["", "~", "null", "Null", "NULL"] { #expect(try scalar(text)?.isNull == true) }
        for text in ["''", "\"null\"", "nil", "none"] { #expect(try scalar(text)?.isNull == false) }
    }

    @Test("an alias is a copy of its anchored value, at the alias's line")
    func aliases() throws {
        let yaml = "base: &b\n  interval: 1m\n  tags: [a, b]\nother: *b\n"
        guard let root = try YAMLComposer.compose(yaml, file: "c.yaml"), case .mapping(let pairs) = root.content,
              case .mapping(let copied) = pairs[1].value.content else {
            Issue.record("not a mapping of mappings")
            return
        }
        #expect(pairs[1].value.line == 4)
        #expect(copied.map { pair -> String in
            guard case .scalar(let key) = pair.key.content else { return "?" }
            return key.text
        } == ["interval", "tags"])
    }

    @Test("an empty file or one with only comments holds no document")
    func empty() throws {
        #expect(try YAMLComposer.compose("", file: "c.yaml") == nil)
        #expect(try YAMLComposer.compose("# nothing yet\n", file: "c.yaml") == nil)
    }

    /// `a0` holds 11 values and each `aN` 1 + 10 × (what `aN-1` holds): 111, 1,111, … Its ten
    /// aliases copy in 110, 1,110, 11,110, 111,110, then 1,111,110 values, so the running total
    /// passes a million on line 6, at `a5`.
    @Test("aliases of aliases that would copy in a billion values are refused at the line that crosses the limit")
    func aliasBomb() {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(throws: ConfigError(file: "c.yaml", line: 6, key: "",
                                    message: "invalid YAML: aliases copy in more than 1000000 values")) {
            try YAMLComposer.compose(yaml, file: "c.yaml")
        }
    }

    @Test("values nested too deep are refused, not a stack overflow")
    func deepNesting() {
        let yaml = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ConfigError(file: "c.yaml", line: 1, key: "",
                                    message: "invalid YAML: values are nested more than 256 levels deep")) {
            try YAMLComposer.compose(yaml, file: "c.yaml")
        }
    }

    @Test("a second document, an undefined alias and a duplicate key are named with their line")
    func structuralErrors() {
        #expect(throws: ConfigError(file: "c.yaml", line: 2, key: "",
                                    message: "invalid YAML: the file holds more than one document (a second '---')")) {
            try YAMLComposer.compose("a: 1\n---\nb: 2\n", file: "c.yaml")
        }
        #expect(throws: ConfigError(file: "c.yaml", line: 2, key: "", message: "invalid YAML: found undefined alias 'nope'")) {
            try YAMLComposer.compose("a: 1\nb: *nope\n", file: "c.yaml")
        }
        #expect(throws: ConfigError(file: "c.yaml", line: 1, key: "",
                                    message: "invalid YAML: key 'a' appears more than once in the same mapping")) {
            try YAMLComposer.compose("a: 1\nb: 2\na: 3\n", file: "c.yaml")
        }
    }
}
