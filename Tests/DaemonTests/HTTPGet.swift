import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One GET with the shared client, body as text; throws on transport errors.
func httpGet(_ url: String, method: HTTPMethod = .GET, timeout: Int64 = 5) async throws -> String {
    var request = HTTPClientRequest(url: url)
    request.method = method
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
    return String(buffer: try await response.body.collect(upTo: 64 << 20))
}

/// The client the tests scrape the daemon with: it asks for no encoding and decodes none, so a
/// test sees the headers and bytes the daemon sent (`HTTPClient.shared` asks for gzip and
/// inflates it behind the test's back).
let scrapeClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.decompression = .disabled
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()
