import ExporterConfig
import NIOHTTP1

/// Whether a body that may be JSON or XML is XML. Trust what arrived over what was asked for: a
/// proxy or an old server may ignore `Accept`, and its `Content-Type` says what it sent; only
/// without either word in the header does the format asked for decide.
enum ContentTypeSniff {
    static func isXML(_ response: VendorResponse, asked: ResponseFormat) -> Bool {
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        return contentType.contains("xml") || (!contentType.contains("json") && asked == .xml)
    }
}
