@testable import Adapters
import BackupModel
import Testing

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

    /// Found by DecoderFuzzTests (seed 16773461807903185332): libxml2 gives FoundationXML a NULL
    /// for the data of `<?x?>` and it calls strlen on it.
    @Test("a processing instruction without data is a decode error, not a crash; the declaration still parses")
    func processingInstructionWithoutData() throws {
        #expect(throws: PollError(.decode, "GET /Job: response is not well-formed XML (a processing instruction without data)")) {
            try XMLTree.parse(Array("<?x?>\n<Job><Status>OK</Status></Job>".utf8), context: "GET /Job")
        }
        let declared = try XMLTree.parse(Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Job><Status>OK</Status></Job>".utf8), context: "GET /Job")
        #expect(declared.child("Status")?.text == "OK")
    }
}
