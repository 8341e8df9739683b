import BackupModel
import CLibXML2

/// An XML element as a plain value: name, attributes, child elements and the character data
/// directly inside it. Vendors that offer XML (Commvault, ECLYPSE) send small documents, so a
/// whole-document tree is simpler to read than SAX callbacks, and as a value it can cross actors.
///
/// Debian's libxml2 parses; the tree is copied out of its document and the document freed at
/// once. (FoundationXML wraps the same library, but would bring Foundation and ICU's 30 MB into
/// the binary.) A prefixed name stays `a:b` (vendors' documents use no namespaces), and neither
/// external entities nor a DTD are ever loaded, so a hostile appliance cannot make us read local
/// files or the network.
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
    /// The body must be valid UTF-8: both XML vendors answer UTF-8, and a clear "not valid UTF-8"
    /// is a better reason than libxml2's encoding error.
    public static func parse(_ bytes: some Collection<UInt8>, context: String) throws(PollError) -> XMLTree {
        let body = Array(bytes)
        guard String(validating: body, as: UTF8.self) != nil else {
            throw PollError(.decode, "\(context): response is not valid UTF-8")
        }
        guard body.count < Int(Int32.max) else { throw PollError(.decode, "\(context): response is too large for XML") }
        guard Self.libraryReady, let parser = xmlNewParserCtxt() else {
            throw PollError(.decode, "\(context): the XML parser could not start")
        }
        defer { xmlFreeParserCtxt(parser) }
        // Problems are read from the context below; without a handler of its own libxml2 would
        // print them on stderr, which journald would then keep with the vendor's text in it.
        if let handlers = parser.pointee.sax { handlers.pointee.serror = { _, _ in } }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)
        let document = body.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                xmlCtxtReadMemory(parser, characters.baseAddress, Int32(characters.count), nil, "UTF-8", options)
            }
        }
        guard let document else {
            throw PollError(.decode, "\(context): response is not well-formed XML (near line \(parser.pointee.lastError.line))")
        }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else {
            throw PollError(.decode, "\(context): response is not well-formed XML (no root element)")
        }
        return XMLTree(copying: root)
    }

    /// `xmlInitParser` once per process, before the first parse on any thread, as libxml2 asks
    /// of threaded programs.
    private static let libraryReady: Bool = {
        xmlInitParser()
        return true
    }()

    /// The element and everything under it, copied out of libxml2's document. libxml2 limits
    /// nesting to 256 levels, which bounds the recursion.
    private init(copying element: xmlNodePtr) {
        self.init(name: Self.qualifiedName(element.pointee.name, element.pointee.ns))
        var attribute = element.pointee.properties
        while let current = attribute {
            attributes[Self.qualifiedName(current.pointee.name, current.pointee.ns)] = Self.text(of: current.pointee.children)
            attribute = current.pointee.next
        }
        var directText = ""
        var child = element.pointee.children
        while let node = child {
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(XMLTree(copying: node))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content { directText += String(cString: content) }
            default:
                break // comments, processing instructions, entity references: not data
            }
            child = node.pointee.next
        }
        text = directText.trimmingWhitespace()
    }

    /// The text nodes in a list (an attribute's value). Entity references are not followed: the
    /// five predefined ones are already replaced by the parser, and others come from a DTD.
    private static func text(of first: xmlNodePtr?) -> String {
        var text = ""
        var node = first
        while let current = node {
            if current.pointee.type == XML_TEXT_NODE, let content = current.pointee.content {
                text += String(cString: content)
            }
            node = current.pointee.next
        }
        return text
    }

    private static func qualifiedName(_ name: UnsafePointer<xmlChar>?, _ namespace: xmlNsPtr?) -> String {
        let local = name.map { String(cString: $0) } ?? ""
        guard let prefix = namespace?.pointee.prefix else { return local }
        return "\(String(cString: prefix)):\(local)"
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
