import BackupModel
import Exposition
import FoundationEssentials
import NIOCore
import NIOHTTP1
import StateStore
import WebServer

/// The daemon's HTTP surface, with the paths and behaviour Prometheus exporters share:
/// the metrics page, `/`, `/-/healthy`, `/-/ready`, `/-/reload` (POST) and `/status`.
struct HTTPEndpoints: Sendable {
    let daemon: Daemon
    let store: StateStore
    let telemetryPath: String
    /// The store's part of the page, kept between scrapes; one per endpoint set.
    let pageCache: MetricsPageCache

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch request.path {
        case Substring(telemetryPath):
            return await metrics(request)
        case "/":
            return landingPage()
        case "/-/healthy":
            return .text("Healthy.\n")
        case "/-/ready":
            return await daemon.isReady ? .text("Ready.\n") : .text("Not ready.\n", status: .serviceUnavailable)
        case "/-/reload":
            guard request.method == .POST || request.method == .PUT else {
                var response = HTTPResponse.text("Only POST or PUT requests allowed.\n", status: .methodNotAllowed)
                response.headers.add(name: "Allow", value: "POST, PUT")
                return response
            }
            switch await daemon.reload() {
            case .success(let targets): return .text("Reloaded \(targets) targets.\n")
            case .failure(let error): return .text("Failed to reload config: \(error.description)\n", status: .internalServerError)
            }
        case "/status":
            return await status()
        default:
            return .notFound
        }
    }

    private func metrics(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return .text("Only GET requests allowed.\n", status: .methodNotAllowed)
        }
        let format = ExpositionFormat.negotiate(accept: request.headers.first(name: "Accept"))
        let now = Date().timeIntervalSince1970
        let process = MetricsRenderer.renderProcessFamilies(ProcessStats.current(), format: format)
        var headers: HTTPHeaders = ["Content-Type": format.contentType, "Vary": "Accept-Encoding"]
        guard let page = await pageCache.page(format: format, store: store, now: now) else {
            return .text("The metrics page cannot be compressed: out of memory.\n", status: .serviceUnavailable)
        }
        if ContentCoding.acceptsGzip(request.headers[canonicalForm: "Accept-Encoding"].map(String.init)),
           let rest = page.body(tail: process) {
            headers.add(name: "Content-Encoding", value: "gzip")
            // The kept compressed page goes out as it is (shared, not copied), then the fresh tail.
            return HTTPResponse(status: .ok, headers: headers, bodyParts: [.bytes(page.compressed), .bytes(ByteBuffer(bytes: rest))])
        }
        // Plain: the pieces' kept plain bytes as they are, the others inflated as the socket
        // takes the page; then the fresh families.
        let pieces = page.pieces.map { piece in
            piece.plain.map(HTTPResponse.BodyPart.bytes) ?? .deferred(length: piece.length, make: piece.inflated)
        }
        return HTTPResponse(status: .ok, headers: headers, bodyParts: pieces + [.bytes(ByteBuffer(bytes: process))])
    }

    private func status() async -> HTTPResponse {
        let snapshot = await store.snapshot()
        let targets = await daemon.configuredTargets
        let document = StatusDocument(snapshot: snapshot, targets: targets)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(document) else {
            return .text("cannot encode status\n", status: .internalServerError)
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: Array(data))
    }

    private func landingPage() -> HTTPResponse {
        let html = """
            <!DOCTYPE html>
            <html><head><title>Backup Exporter</title></head>
            <body>
            <h1>Backup Exporter</h1>
            <p>Backup job progress and status from i-net, ECLYPSE, Veeam M365, Commvault and Unitrends, for Prometheus.</p>
            <ul>
            <li><a href="\(telemetryPath)">Metrics</a></li>
            <li><a href="/status">Status (JSON)</a></li>
            <li><a href="/-/healthy">Health</a></li>
            <li><a href="/-/ready">Readiness</a></li>
            </ul>
            </body></html>

            """
        return .text(html, contentType: "text/html; charset=utf-8")
    }
}
