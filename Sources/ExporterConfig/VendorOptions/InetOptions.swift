/// `options:` of an i-net PDFC / CoWork target.
public struct InetOptions: Sendable, Equatable {
    static let keys: Set<String> = ["definitions", "results_per_definition"]

    /// The definition ids to watch, for monitoring users that may not list them; nil lists them.
    public var definitions: [String]?
    /// How many newest results are reported per definition.
    public var resultsPerDefinition: Int

    public init(definitions: [String]? = nil, resultsPerDefinition: Int = 5) {
        self.definitions = definitions
        self.resultsPerDefinition = resultsPerDefinition
    }

    init(_ options: ConfigMapping) throws(ConfigError) {
        let defaults = InetOptions()
        let definitions = try options.stringList("definitions")
        // An empty list would silently watch nothing, forever: say so instead.
        if let definitions, definitions.isEmpty {
            throw options.error("definitions", "needs at least one definition id (leave it out to watch every listed definition)")
        }
        let perDefinition = try options.int("results_per_definition") ?? defaults.resultsPerDefinition
        guard (1...100).contains(perDefinition) else {
            throw options.error("results_per_definition", "must be between 1 and 100")
        }
        self.init(definitions: definitions, resultsPerDefinition: perDefinition)
    }
}
