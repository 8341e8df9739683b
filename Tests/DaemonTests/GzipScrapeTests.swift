import AsyncHTTPClient
import Exposition
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// `Accept-Encoding: gzip` on /metrics, read back by the readers Prometheus users have: Python's
/// gzip module and curl's --compressed (the system test adds Prometheus itself).
@Suite("gzip scrapes")
struct GzipScrapeTests {
    /// With no plain budget the plain scrape is the kept pieces inflated as they are sent; with
    /// the default, the small page's pieces kept plain.
    @Test("gzip when asked, with Content-Encoding and Vary; Python and curl read the same page as the plain scrape",
          arguments: [0, StorePage.defaultPlainBudget])
    func gzipReadsAsThePlainPage(plainPageBudget: Int) async throws {
        // One poll per target, then none: the pages of the three scrapes must not differ by a poll.
        let fixture = try await DaemonFixture(interval: "1h", plainPageBudget: plainPageBudget)
        defer { Task { await fixture.tearDown() } }
        _ = await fixture.waitForMetrics {
            $0.value("backup_target_up", ["target": "cowork"]) == 1 && $0.value("backup_target_up", ["target": "pdfc"]) == 1
        }
        let url = await fixture.baseURL + "/metrics"

        let plain = try await Self.get(url, client: scrapeClient, acceptEncoding: nil)
        #expect(plain.headers.first(name: "Content-Encoding") == nil)
        #expect(plain.headers.first(name: "Vary") == "Accept-Encoding")

        let gzip = try await Self.get(url, client: scrapeClient, acceptEncoding: "gzip")
        #expect(gzip.headers.first(name: "Content-Encoding") == "gzip")
        #expect(gzip.headers.first(name: "Vary") == "Accept-Encoding")
        #expect(gzip.headers.first(name: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(gzip.body.count * 4 < plain.body.count, "gzip \(gzip.body.count) bytes, plain \(plain.body.count)")
        let python = try Self.run(
            ["python3", "-c", "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"], input: gzip.body)
        let curl = try Self.run(["curl", "-sS", "--compressed", url], input: [])
        // The process_* families are fresh on every scrape; everything else comes from the store.
        #expect(Self.withoutProcess(python) == Self.withoutProcess(plain.body))
        #expect(Self.withoutProcess(curl) == Self.withoutProcess(plain.body))
        #expect(String(decoding: python, as: UTF8.self).contains("# TYPE process_resident_memory_bytes gauge"))
        #expect(String(decoding: plain.body, as: UTF8.self).contains(#"backup_target_up{target="pdfc""#))

        let refused = try await Self.get(url, client: scrapeClient, acceptEncoding: "gzip;q=0, identity")
        #expect(refused.headers.first(name: "Content-Encoding") == nil)
    }

    @Test("Accept-Encoding: gzip or * with a quality above zero takes gzip; q=0, identity or nothing does not")
    func negotiation() {
        #expect(ContentCoding.acceptsGzip(["gzip"]))
        #expect(ContentCoding.acceptsGzip(["deflate, gzip;q=0.5"]))
        #expect(ContentCoding.acceptsGzip(["*"]))
        #expect(ContentCoding.acceptsGzip(["identity", "GZIP"]))
        #expect(!ContentCoding.acceptsGzip([]))
        #expect(!ContentCoding.acceptsGzip(["identity"]))
        #expect(!ContentCoding.acceptsGzip(["gzip;q=0"]))
        #expect(!ContentCoding.acceptsGzip(["*;q=0"]))
        #expect(!ContentCoding.acceptsGzip(["br, gzip; q=0.000"]))
    }

    static func get(_ url: String, client: HTTPClient, acceptEncoding: String?) async throws -> (headers: HTTPHeaders, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        if let acceptEncoding { request.headers.add(name: "Accept-Encoding", value: acceptEncoding) }
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.headers, Array(body.readableBytesView))
    }

    static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments[0]) exited \(process.terminationStatus)")
        return Array(output)
    }

    static func withoutProcess(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("process_") && !$0.contains(" process_") }
    }
}
