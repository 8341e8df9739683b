/// Typed, line-aware reading of one YAML mapping: the same rules for the exporter's own keys and
/// for the vendors' `options:`.
///
/// A key that is absent and a key whose value is YAML null (`key:` or `key: ~`) read the same,
/// as nil: an operator who blanks a value means "not set".
struct ConfigMapping: Sendable, Equatable {
    var file: String
    /// Key path of the mapping itself, "" for the document root.
    var path: String
    /// Line of the mapping, for problems with no key of their own (a missing required key).
    var line: Int?
    var entries: [ConfigEntry]

    init(file: String, path: String, line: Int?, entries: [ConfigEntry]) {
        self.file = file
        self.path = path
        self.line = line
        self.entries = entries
    }

    /// A mapping node, or an "expected a mapping" error naming `path`.
    init(_ node: ConfigNode, file: String, path: String) throws(ConfigError) {
        guard case .mapping(let entries) = node.value else {
            throw ConfigError(file: file, line: node.line, key: path, message: "expected a mapping")
        }
        self.init(file: file, path: path, line: node.line, entries: entries)
    }

    var keys: [String] { entries.map(\.key) }

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The entry for `key` unless it is absent or null.
    func entry(_ key: String) -> ConfigEntry? {
        guard let entry = entries.first(where: { $0.key == key }), !entry.value.isNull else { return nil }
        return entry
    }

    /// An error about `key`, on its value's line when present, else on the mapping's line.
    func error(_ key: String, _ message: String) -> ConfigError {
        let line = entries.first(where: { $0.key == key })?.value.line ?? self.line
        return ConfigError(file: file, line: line, key: keyPath(key), message: message)
    }

    func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw ConfigError(file: file, line: entry.keyLine, key: keyPath(entry.key),
                              message: KeySuggestion.unknownKeyMessage(entry.key, allowed: allowed))
        }
    }

    func require<Value>(_ key: String, _ read: (String) throws(ConfigError) -> Value?) throws(ConfigError) -> Value {
        guard let value = try read(key) else {
            throw ConfigError(file: file, line: line, key: keyPath(key), message: "missing required key")
        }
        return value
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let entry = entry(key) else { return nil }
        guard let scalar = entry.value.scalar else { throw error(key, "expected a string") }
        return scalar.text
    }

    func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let entry = entry(key) else { return nil }
        guard case .sequence(let items) = entry.value.value else { throw error(key, "expected a list of strings") }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard let scalar = item.scalar, !scalar.isNull else {
                throw ConfigError(file: file, line: item.line, key: "\(keyPath(key))[\(index)]", message: "expected a string")
            }
            strings.append(scalar.text)
        }
        return strings
    }

    func int(_ key: String) throws(ConfigError) -> Int? {
        guard let entry = entry(key) else { return nil }
        guard let value = entry.value.scalar?.int else { throw error(key, "expected an integer") }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let entry = entry(key) else { return nil }
        guard let value = entry.value.scalar?.bool else { throw error(key, "expected true or false") }
        return value
    }

    func duration(_ key: String) throws(ConfigError) -> Double? {
        guard let entry = entry(key) else { return nil }
        guard let scalar = entry.value.scalar else { throw error(key, "expected a duration like 30s") }
        guard let seconds = DurationParser.seconds(scalar.text) else {
            throw error(key, "invalid duration '\(scalar.text)' (expected a Go-style duration like 500ms, 30s, 5m or 1h30m)")
        }
        return seconds
    }

    /// A mapping of strings to strings (e.g. job id → display name). Keys are as written; a
    /// value that is not a scalar is an error on that value's own key path.
    func stringMap(_ key: String) throws(ConfigError) -> [String: String]? {
        guard let nested = try mapping(key) else { return nil }
        var result: [String: String] = [:]
        for entry in nested.entries {
            guard let scalar = entry.value.scalar, !scalar.isNull else {
                throw ConfigError(file: file, line: entry.value.line, key: nested.keyPath(entry.key), message: "expected a string")
            }
            result[entry.key] = scalar.text
        }
        return result
    }

    /// The nested mapping's `line` is its key's line, since a block mapping's own position is
    /// that of its first key, which would misplace a "missing required key" message.
    func mapping(_ key: String) throws(ConfigError) -> ConfigMapping? {
        guard let entry = entry(key) else { return nil }
        var mapping = try ConfigMapping(entry.value, file: file, path: keyPath(key))
        mapping.line = entry.keyLine
        return mapping
    }
}
