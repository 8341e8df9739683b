@testable import Adapters
import BackupModel
import Testing
import TestSupport

@Suite("XML tree reader")
struct XMLTreeTests {
    @Test("elements, attributes, text and CDATA come out as a tree; indentation is not text")
    func parses() throws {
        let xml = """
        <?xml version="1.0" encoding="utf-8"?>
        <Root a="1" b="x &amp; y">
          <Child>  hello  </Child>
          <Child><![CDATA[<raw>]]></Child>
          <Empty/>
        </Root>
        """
        let tree = try XMLTree.parse(Array(xml.utf8), context: "GET /x")
        #expect(tree == XMLTree(name: "Root", attributes: ["a": "1", "b": "x & y"], children: [
            XMLTree(name: "Child", text: "hello"),
            XMLTree(name: "Child", text: "<raw>"),
            XMLTree(name: "Empty"),
        ]))
        #expect(tree.children(named: "Child").count == 2)
        #expect(tree.child("Empty") == XMLTree(name: "Empty"))
        #expect(tree.child(caseInsensitive: "child")?.text == "hello")
        #expect(tree.child("Missing") == nil)
    }

    @Test("malformed, truncated or empty documents are decode errors naming the call", arguments: [
        "<Job><Status>OK</Job>", "<Job><Status>OK</Status>", "", "{\"progress\": 100}", "<a></a><b></b>",
    ])
    func malformed(_ text: String) {
        #expect(throws: PollError.self) { try XMLTree.parse(Array(text.utf8), context: "GET /x") }
        do {
            _ = try XMLTree.parse(Array(text.utf8), context: "GET /x")
        } catch {
            #expect(error.reason == .decode)
            #expect(error.message.hasPrefix("GET /x: response is not well-formed XML"))
        }
    }
}

@Suite("XML tree: hostile input")
struct XMLTreeHostileInputTests {
    /// Found by DecoderFuzzTests: FoundationXML's parser traps on this, so it must never see it.
    @Test("an invalid UTF-8 byte in an attribute name is a decode error, not a crash")
    func invalidUTF8InAttributeName() {
        let bytes = Array("<a us".utf8) + [0xE5] + Array("rName=\"x\"/>".utf8)
        #expect(throws: PollError(.decode, "GET /Job: response is not valid UTF-8")) {
            try XMLTree.parse(bytes, context: "GET /Job")
        }
    }

    /// Found by DecoderFuzzTests (seed 16773461807903185332) when FoundationXML parsed: it crashed
    /// on `<?x?>`. A processing instruction is not data, with or without its own.
    @Test("a processing instruction without data is skipped, not a crash; the declaration still parses")
    func processingInstructionWithoutData() throws {
        let bare = try XMLTree.parse(Array("<?x?>\n<Job><?y?><Status>OK</Status></Job>".utf8), context: "GET /Job")
        #expect(bare == XMLTree(name: "Job", children: [XMLTree(name: "Status", text: "OK")]))
        let declared = try XMLTree.parse(Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Job><Status>OK</Status></Job>".utf8), context: "GET /Job")
        #expect(declared.child("Status")?.text == "OK")
    }

    @Test("an external entity is never read: a hostile appliance cannot make the daemon read local files")
    func externalEntityIsNotRead() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("secret.txt", "the-local-secret")
        let doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE Job [<!ENTITY leak SYSTEM \"file://\(path)\">]>\n"
        let inText = try XMLTree.parse(Array((doctype + "<Job><Status>&leak;</Status></Job>").utf8), context: "GET /Job")
        #expect(inText == XMLTree(name: "Job", children: [XMLTree(name: "Status")]))
        // XML forbids an external entity in an attribute value: the document is refused.
        #expect(throws: PollError(.decode, "GET /Job: response is not well-formed XML (near line 3)")) {
            try XMLTree.parse(Array((doctype + "<Job name=\"&leak;\"/>").utf8), context: "GET /Job")
        }
    }

    @Test("an internal entity that would expand a billion times is refused, not expanded")
    func entityExpansionIsRefused() throws {
        var entities = "<!ENTITY a0 \"lol\">"
        for level in 1...9 {
            entities += "<!ENTITY a\(level) \"" + String(repeating: "&a\(level - 1);", count: 10) + "\">"
        }
        let xml = "<!DOCTYPE Job [\(entities)]><Job><Status>&a9;</Status></Job>"
        #expect(throws: PollError(.decode, "GET /Job: response is not well-formed XML (near line 1)")) {
            try XMLTree.parse(Array(xml.utf8), context: "GET /Job")
        }
    }
}
