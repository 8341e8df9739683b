import FoundationEssentials

/// Loads and validates the config file in one step: either a complete `ExporterConfiguration` or
/// the first problem found, as a `ConfigError` with file, line and key.
public enum ConfigLoader {
    static let topLevelKeys: Set<String> = ["defaults", "targets"]

    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> ExporterConfiguration {
        try parse(yaml: try FileCheck.yamlText(at: path, name: "config file"), path: path, environment: environment)
    }

    /// `path` names the file in messages and is the folder relative paths are resolved against;
    /// the file itself is not read.
    public static func parse(yaml: String, path: String, environment: [String: String]) throws(ConfigError) -> ExporterConfiguration {
        guard let yamlRoot = try YAMLComposer.compose(yaml, file: path) else {
            throw ConfigError(file: path, line: nil, key: "targets", message: "missing required key (the file is empty)")
        }
        let root = try ConfigNode(yaml: yamlRoot, file: path, path: "", environment: environment)
        let document = try ConfigMapping(root, file: path, path: "")
        try document.rejectUnknownKeys(allowed: topLevelKeys)

        var defaults = ScheduleSettings.builtIn
        if let mapping = try document.mapping("defaults") {
            try mapping.rejectUnknownKeys(allowed: ScheduleSettings.keys)
            defaults = try defaults.overridden(by: mapping)
        }

        guard let targetsEntry = document.entry("targets") else {
            throw ConfigError(file: path, line: document.line, key: "targets", message: "missing required key")
        }
        guard case .sequence(let items) = targetsEntry.value.value else {
            throw document.error("targets", "expected a list of targets")
        }
        guard !items.isEmpty else { throw document.error("targets", "needs at least one target") }

        let decoder = TargetDecoder(defaults: defaults, environment: environment, baseDirectory: FileCheck.directory(of: path))
        var targets: [TargetConfiguration] = []
        var warnings: [ConfigWarning] = []
        var nameLines: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let mapping = try ConfigMapping(item, file: path, path: "targets[\(index)]")
            let target = try decoder.decode(mapping)
            let nameLine = mapping.entry("name")?.value.line ?? target.line
            if let firstLine = nameLines[target.name] {
                throw ConfigError(file: path, line: nameLine, key: mapping.keyPath("name"),
                                  message: "duplicate target name '\(target.name)' (first used on line \(firstLine))")
            }
            nameLines[target.name] = nameLine
            targets.append(target)
            warnings += SecretFilePermissions.warnings(target: mapping, resolve: decoder.resolvedPath)
        }
        return ExporterConfiguration(sourcePath: path, targets: targets, warnings: warnings)
    }
}
