/// A target's `options:` mapping, kept with its lines so an adapter's complaints point at the
/// right place ("config.yaml:14: targets[0].options.definitions: expected a list of strings").
///
/// The config module knows no vendor's option names; each adapter calls `rejectUnknownKeys`
/// with its own set and reads its values through the typed getters, which return nil for an
/// absent (or null) key and throw for a value of the wrong type. String values have already had
/// `${NAME}` expanded.
public struct VendorOptions: Sendable, Equatable {
    private let mapping: ConfigMapping

    init(mapping: ConfigMapping) {
        self.mapping = mapping
    }

    /// No options, located nowhere: for tests and for adapters built without a config file.
    public static let empty = VendorOptions(mapping: ConfigMapping(file: "", path: "options", line: nil, entries: []))

    /// In file order.
    public var keys: [String] { mapping.keys }

    public func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        try mapping.rejectUnknownKeys(allowed: allowed)
    }

    /// Any scalar, as written (a number or a boolean reads as its text).
    public func string(_ key: String) throws(ConfigError) -> String? { try mapping.string(key) }
    public func stringList(_ key: String) throws(ConfigError) -> [String]? { try mapping.stringList(key) }
    public func int(_ key: String) throws(ConfigError) -> Int? { try mapping.int(key) }
    public func bool(_ key: String) throws(ConfigError) -> Bool? { try mapping.bool(key) }
    /// A nested mapping of scalars, such as ECLYPSE's `names: {<job id>: "Nightly"}`.
    public func stringMap(_ key: String) throws(ConfigError) -> [String: String]? { try mapping.stringMap(key) }
    /// Seconds, from a Go-style duration (see `DurationParser`).
    public func duration(_ key: String) throws(ConfigError) -> Double? { try mapping.duration(key) }

    /// An error for an adapter-specific rule, on the key's line (the mapping's line when the key
    /// is absent, e.g. for a missing required option).
    public func error(_ key: String, _ message: String) -> ConfigError {
        mapping.error(key, message)
    }
}
