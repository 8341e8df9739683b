import Exposition
import Foundation
import NIOCore
import TestSupport
import Testing

/// A gzip page is pieces compressed apart plus a fresh tail, joined into one member: every reader
/// Prometheus users have must read it as the plain page, not only the first piece.
@Suite("gzip page from pieces")
struct GzipPageTests {
    @Test("a page of many pieces plus a tail inflates to the plain page in zlib and in Python's gzip")
    func piecesAndTailReadAsThePlainPage() throws {
        var page = StorePage(format: .openMetrics)
        page.update(to: Fixtures.big(targets: 30, jobsPerTarget: 7), now: Fixtures.now)
        let process = MetricsRenderer.renderProcessFamilies(Fixtures.process, format: .openMetrics)
        let plain = StorePageTests.plain(&page) + process
        let made = page.gzip()
        let gzip = try #require(made)
        let member = StorePageTests.bytes([gzip.compressed]) + (try #require(gzip.body(tail: process)))

        #expect(member.count * 5 < plain.count, "gzip \(member.count) bytes, plain \(plain.count)")
        if let python = try Self.pythonGunzip(member) {
            #expect(ByteComparison.firstDifference(python, plain) == nil)
        }
        #expect(ByteComparison.firstDifference(try Inflate.gunzip(member), plain) == nil)
    }

    @Test("a change to one target of many compresses only the groups holding its fragments")
    func aChangeCompressesOnlyItsGroups() throws {
        var page = StorePage(format: .prometheusText)
        var snapshot = StorePageTests.finished(Fixtures.big(targets: 40, jobsPerTarget: 60))
        page.update(to: snapshot, now: Fixtures.now)
        let first = page.gzip()
        let all = page.groupCompressions
        #expect(first.map(\.pieces.count) == all)
        #expect(all > 100)

        snapshot.targets[23].jobs[7].history.runsByResult[.failed, default: 0] += 1
        page.update(to: snapshot, now: Fixtures.now)
        let second = page.gzip()
        #expect(page.groupCompressions - all <= MetricsRenderer.storeFamilyCount, "at most one group per family")
        #expect(page.groupCompressions > all)
        let process = MetricsRenderer.renderProcessFamilies(nil, format: .prometheusText)
        let member = StorePageTests.bytes([try #require(second).compressed]) + (try #require(second?.body(tail: process)))
        #expect(ByteComparison.firstDifference(try Inflate.gunzip(member),
                                               MetricsRenderer.render(snapshot, process: nil, now: Fixtures.now, format: .prometheusText)) == nil)
    }

    @Test("an empty tail still finishes the member")
    func emptyTail() throws {
        var page = StorePage(format: .prometheusText)
        page.update(to: Fixtures.golden, now: Fixtures.now)
        let made = page.gzip()
        let gzip = try #require(made)
        let member = StorePageTests.bytes([gzip.compressed]) + (try #require(gzip.body(tail: [])))
        #expect(ByteComparison.firstDifference(try Inflate.gunzip(member), StorePageTests.plain(&page)) == nil)
    }

    /// Python's `gzip.decompress`, nil when there is no python3 on this machine.
    static func pythonGunzip(_ member: [UInt8]) throws -> [UInt8]? {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            return nil
        }
        // The member goes in from a file: a pipe written by this process would block (or, once a
        // failing Python has exited, never finish) when the member is larger than its buffer.
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("member.gz")
        try Data(member).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"]
        let stdout = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = stdout
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 exited \(process.terminationStatus)")
        return Array(output)
    }
}
