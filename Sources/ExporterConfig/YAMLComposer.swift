import CYAML

/// Reads YAML text into a `YAMLNode` tree with libyaml's event parser, Debian's libyaml: the C
/// parser PyYAML and Yams wrap. Composing the tree ourselves keeps the config free of Foundation
/// (Yams needs it, and with it ICU's 30 MB of data in the binary) and lets the limits a
/// hostile file needs live in one place.
///
/// Errors carry the file and line but never the source text: the line may hold a password.
enum YAMLComposer {
    /// Values copied in by aliases, at most: `*a` copies the anchored value, so a few nested
    /// anchors of ten aliases each would otherwise turn a small file into billions of values.
    static let aliasedValueLimit = 1_000_000
    /// Sequences and mappings nested deeper than this are refused before the composer's
    /// recursion can exhaust its stack.
    static let depthLimit = 256

    /// The one document in `yaml`, or nil when the text holds none (empty, or only comments).
    static func compose(_ yaml: String, file: String) throws(ConfigError) -> YAMLNode? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw ConfigError(file: file, line: nil, key: "", message: "invalid YAML: the parser could not start")
        }
        defer { yaml_parser_delete(parser) }
        // libyaml reads the input in place until the parser is deleted, so it gets a copy whose
        // lifetime this function owns.
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(yaml.utf8.count, 1))
        defer { input.deallocate() }
        let length = input.initialize(fromContentsOf: yaml.utf8)
        yaml_parser_set_input_string(parser, input.baseAddress, length)
        var composer = Composer(parser: parser, file: file)
        return try composer.document()
    }
}

/// One libyaml event, copied out of the C struct before the event is freed.
private enum YAMLEvent {
    case streamStart, streamEnd, documentStart, documentEnd, sequenceEnd, mappingEnd
    case alias(anchor: String)
    case scalar(YAMLScalar, anchor: String?)
    case sequenceStart(anchor: String?)
    case mappingStart(anchor: String?)
}

private struct Composer {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let file: String
    /// Each anchored value and how many values it holds, which is what an alias of it costs.
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var aliasedValues = 0

    init(parser: UnsafeMutablePointer<yaml_parser_t>, file: String) {
        self.parser = parser
        self.file = file
    }

    mutating func document() throws(ConfigError) -> YAMLNode? {
        guard case .streamStart = try next().event else { throw invalid(line: nil, "the stream does not start") }
        let (first, firstLine) = try next()
        if case .streamEnd = first { return nil }
        guard case .documentStart = first else { throw invalid(line: firstLine, "expected a document") }
        let root = try node(try next(), depth: 0).node
        guard case .documentEnd = try next().event else { throw invalid(line: nil, "the document does not end") }
        let (after, afterLine) = try next()
        if case .documentStart = after {
            throw invalid(line: afterLine, "the file holds more than one document (a second '---')")
        }
        return root
    }

    /// The value that starts with `start`, and how many values it holds.
    private mutating func node(_ start: (event: YAMLEvent, line: Int), depth: Int) throws(ConfigError) -> (node: YAMLNode, size: Int) {
        guard depth < YAMLComposer.depthLimit else {
            throw invalid(line: start.line, "values are nested more than \(YAMLComposer.depthLimit) levels deep")
        }
        let line = start.line
        switch start.event {
        case .alias(let anchor):
            guard let anchored = anchors[anchor] else { throw invalid(line: line, "found undefined alias '\(anchor)'") }
            aliasedValues += anchored.size
            guard aliasedValues <= YAMLComposer.aliasedValueLimit else {
                throw invalid(line: line, "aliases copy in more than \(YAMLComposer.aliasedValueLimit) values")
            }
            // The alias's own line: a value that is wrong is reported where it is used.
            return (YAMLNode(content: anchored.node.content, line: line), anchored.size)
        case .scalar(let scalar, let anchor):
            return remember(YAMLNode(content: .scalar(scalar), line: line), size: 1, as: anchor)
        case .sequenceStart(let anchor):
            var items: [YAMLNode] = []
            var size = 1
            while true {
                let event = try next()
                if case .sequenceEnd = event.event { break }
                let item = try node(event, depth: depth + 1)
                items.append(item.node)
                size += item.size
            }
            return remember(YAMLNode(content: .sequence(items), line: line), size: size, as: anchor)
        case .mappingStart(let anchor):
            var pairs: [YAMLPair] = []
            var keyLines: [String: Int] = [:]
            var size = 1
            while true {
                let event = try next()
                if case .mappingEnd = event.event { break }
                let key = try node(event, depth: depth + 1)
                let value = try node(try next(), depth: depth + 1)
                if case .scalar(let scalar) = key.node.content {
                    if let firstLine = keyLines[scalar.text] {
                        throw invalid(line: firstLine, "key '\(scalar.text)' appears more than once in the same mapping")
                    }
                    keyLines[scalar.text] = key.node.line
                }
                pairs.append(YAMLPair(key: key.node, value: value.node))
                size += key.size + value.size
            }
            return remember(YAMLNode(content: .mapping(pairs), line: line), size: size, as: anchor)
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw invalid(line: line, "expected a value")
        }
    }

    private mutating func remember(_ node: YAMLNode, size: Int, as anchor: String?) -> (node: YAMLNode, size: Int) {
        if let anchor { anchors[anchor] = (node, size) }
        return (node, size)
    }

    /// The next event and the 1-based line it starts on.
    private mutating func next() throws(ConfigError) -> (event: YAMLEvent, line: Int) {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        switch event.type {
        case YAML_STREAM_START_EVENT: return (.streamStart, line)
        case YAML_STREAM_END_EVENT: return (.streamEnd, line)
        case YAML_DOCUMENT_START_EVENT: return (.documentStart, line)
        case YAML_DOCUMENT_END_EVENT: return (.documentEnd, line)
        case YAML_ALIAS_EVENT: return (.alias(anchor: Self.string(event.data.alias.anchor) ?? ""), line)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = data.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self) } ?? ""
            let scalar = YAMLScalar(text: text, isPlain: data.style == YAML_PLAIN_SCALAR_STYLE, tag: Self.string(data.tag))
            return (.scalar(scalar, anchor: Self.string(data.anchor)), line)
        case YAML_SEQUENCE_START_EVENT: return (.sequenceStart(anchor: Self.string(event.data.sequence_start.anchor)), line)
        case YAML_SEQUENCE_END_EVENT: return (.sequenceEnd, line)
        case YAML_MAPPING_START_EVENT: return (.mappingStart(anchor: Self.string(event.data.mapping_start.anchor)), line)
        case YAML_MAPPING_END_EVENT: return (.mappingEnd, line)
        default: throw invalid(line: line, "unexpected event")
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's problem and position, without the text around it.
    private func syntaxError() -> ConfigError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unreadable input"
        switch state.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            var message = "invalid YAML: \(problem) at column \(state.problem_mark.column + 1)"
            if let context = state.context {
                message += " (\(String(cString: context)) that started on line \(state.context_mark.line + 1))"
            }
            return ConfigError(file: file, line: Int(state.problem_mark.line) + 1, key: "", message: message)
        default:
            return ConfigError(file: file, line: nil, key: "", message: "invalid YAML: \(problem)")
        }
    }

    private func invalid(line: Int?, _ problem: String) -> ConfigError {
        ConfigError(file: file, line: line, key: "", message: "invalid YAML: \(problem)")
    }
}
