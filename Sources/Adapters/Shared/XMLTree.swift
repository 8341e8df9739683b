import BackupModel
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element as a plain value: name, attributes, child elements and the character data
/// directly inside it. Vendors that offer XML (Commvault, ECLYPSE) send small documents, so a
/// whole-document tree is simpler to read than SAX callbacks and, unlike `XMLParser`'s delegate,
/// can cross actors.
///
/// Namespaces are not processed (vendors' documents use none; a prefixed name stays `a:b`), and
/// external entities are never resolved, so a hostile appliance cannot make us read local files.
public struct XMLTree: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLTree]
    /// Character data directly inside this element (not its children's), whitespace-trimmed:
    /// pretty-printed documents put indentation there.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLTree] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// Parses a response body into its root element. `context` (a method and URL path) goes into
    /// the error; the body itself never does.
    ///
    /// The body must be valid UTF-8: swift-corelibs-foundation's `XMLParser` traps (crashing the
    /// process) on an invalid UTF-8 byte in an attribute name, which the decoder fuzz test found.
    /// Both XML vendors answer UTF-8, so this refuses nothing real.
    public static func parse(_ bytes: some Collection<UInt8>, context: String) throws(PollError) -> XMLTree {
        let data = Data(bytes)
        guard String(validating: data, as: UTF8.self) != nil else {
            throw PollError(.decode, "\(context): response is not valid UTF-8")
        }
        guard !Self.hasEmptyProcessingInstruction(data) else {
            throw PollError(.decode, "\(context): response is not well-formed XML (a processing instruction without data)")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let parsed = parser.parse()
        guard parsed, builder.failure == nil, let root = builder.root else {
            let line = parser.lineNumber
            throw PollError(.decode, "\(context): response is not well-formed XML (near line \(line))")
        }
        return root
    }

    /// True when the body holds a processing instruction with a target and no data (`<?x?>`):
    /// libxml2 hands `XMLParser` a NULL for its data and swift-corelibs-foundation calls strlen on
    /// it, crashing the process (the decoder fuzz test found it, seed 16773461807903185332). Neither
    /// XML vendor sends processing instructions beyond the declaration, which has data.
    static func hasEmptyProcessingInstruction(_ data: Data) -> Bool {
        let bytes = Array(data)
        var index = 0
        while index + 1 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "?") else { continue }
            var end = index + 2
            while end < bytes.count, bytes[end] != UInt8(ascii: "?"), !Self.isSpace(bytes[end]) { end += 1 }
            if end + 1 < bytes.count, bytes[end] == UInt8(ascii: "?"), bytes[end + 1] == UInt8(ascii: ">") { return true }
        }
        return false
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The first child element called `name`.
    public func child(_ name: String) -> XMLTree? {
        children.first { $0.name == name }
    }

    /// Every child element called `name`, in document order.
    public func children(named name: String) -> [XMLTree] {
        children.filter { $0.name == name }
    }

    /// The first child element whose name matches `name` ignoring case: some vendors' XML and
    /// JSON disagree on capitalisation (ECLYPSE: `Status` in XML, `status` in JSON).
    public func child(caseInsensitive name: String) -> XMLTree? {
        let lowered = name.lowercased()
        return children.first { $0.name.lowercased() == lowered }
    }
}

/// Collects `XMLParser` callbacks into an `XMLTree`. Used synchronously by one `parse` call and
/// never shared, which is why a non-Sendable class is fine here.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [XMLTree] = []
    private var texts: [String] = []
    private(set) var root: XMLTree?
    private(set) var failure: (any Error)?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        stack.append(XMLTree(name: elementName, attributes: attributeDict))
        texts.append("")
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard var element = stack.popLast(), let text = texts.popLast() else { return }
        element.text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !texts.isEmpty else { return }
        texts[texts.count - 1] += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !texts.isEmpty else { return }
        texts[texts.count - 1] += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        failure = parseError
    }
}
