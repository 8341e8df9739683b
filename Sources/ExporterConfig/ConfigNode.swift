/// A config value with its line: a `YAMLNode` with its scalars read and its environment
/// variables expanded.
///
/// Expansion happens here, once, which is how `${NAME}` works in every string value, including
/// the vendors' `options:`; `VendorOptions` travels with the configuration across actors, so the
/// tree is a plain `Sendable` value.
struct ConfigNode: Sendable, Equatable {
    enum Value: Sendable, Equatable {
        case scalar(ConfigScalar)
        case sequence([ConfigNode])
        case mapping([ConfigEntry])
    }

    var value: Value
    /// 1-based line where the value starts.
    var line: Int

    var scalar: ConfigScalar? {
        if case .scalar(let scalar) = value { return scalar }
        return nil
    }

    var isNull: Bool { scalar?.isNull ?? false }
}

/// A scalar's text after expansion, and the typed readings YAML gave the text as written
/// (so a quoted `"true"` stays a string and is not accepted where a boolean is expected).
struct ConfigScalar: Sendable, Equatable {
    var text: String
    var isNull: Bool
    var bool: Bool?
    var int: Int?
}

struct ConfigEntry: Sendable, Equatable {
    var key: String
    var keyLine: Int
    var value: ConfigNode
}

extension ConfigNode {
    /// Keys whose values are literal secrets: a failed expansion there must not echo a bare
    /// `$word`, which may be part of the password itself.
    private static let secretKeys: Set<String> = ["password", "token"]

    /// A nil `environment` leaves `$` alone: the web config holds bcrypt hashes (`$2y$10$…`),
    /// and the exporter-toolkit format it copies has no expansion.
    init(yaml node: YAMLNode, file: String, path: String, environment: [String: String]?) throws(ConfigError) {
        let line = node.line
        switch node.content {
        case .scalar(let scalar):
            let isNull = scalar.isNull
            var text = scalar.text
            if !isNull, let environment {
                switch EnvironmentExpander.expand(text, environment: environment) {
                case .success(let expanded):
                    text = expanded
                case .failure(let failure):
                    throw ConfigError(file: file, line: line, key: path,
                                      message: Self.message(for: failure, path: path))
                }
            }
            self.init(value: .scalar(ConfigScalar(text: text, isNull: isNull, bool: scalar.bool, int: scalar.int)), line: line)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(try ConfigNode(yaml: item, file: file, path: "\(path)[\(index)]", environment: environment))
            }
            self.init(value: .sequence(items), line: line)
        case .mapping(let pairs):
            var entries: [ConfigEntry] = []
            for pair in pairs {
                guard case .scalar(let keyScalar) = pair.key.content else {
                    throw ConfigError(file: file, line: pair.key.line, key: path, message: "mapping keys must be plain words")
                }
                let keyPath = path.isEmpty ? keyScalar.text : "\(path).\(keyScalar.text)"
                let converted = try ConfigNode(yaml: pair.value, file: file, path: keyPath, environment: environment)
                entries.append(ConfigEntry(key: keyScalar.text, keyLine: pair.key.line, value: converted))
            }
            self.init(value: .mapping(entries), line: line)
        }
    }

    private static func message(for failure: EnvironmentExpander.Failure, path: String) -> String {
        let isSecret = secretKeys.contains(path.split(separator: ".").last.map(String.init) ?? "")
        switch failure {
        case .unset(let name, let braced):
            if braced || !isSecret {
                return "environment variable '\(name)' is not set"
            }
            return "refers to an environment variable that is not set (write '$$' for a literal '$')"
        case .unterminated:
            return "unterminated '${' (write '$$' for a literal '$')"
        case .invalidName:
            return "'${…}' must contain a variable name made of letters, digits and '_'"
        }
    }
}
