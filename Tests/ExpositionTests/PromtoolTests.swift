import BackupModel
import Exposition
import Foundation
import TestSupport
import Testing

/// Runs Prometheus' own linter on rendered pages. CI installs `promtool` (Debian package
/// `prometheus`), so there these tests always run; elsewhere they are skipped only when the
/// binary is missing.
@Suite("promtool check metrics", .enabled(if: Promtool.path != nil, "promtool not found"))
struct PromtoolTests {
    @Test("the golden page passes with no output")
    func goldenPage() throws {
        let result = try Promtool.check(MetricsRenderer.render(Fixtures.golden, process: Fixtures.process, now: Fixtures.now, format: .prometheusText))
        #expect(result.output == "")
        #expect(result.status == 0)
    }

    @Test("a page of 2,000 generated jobs passes with no output")
    func bigPage() throws {
        let snapshot = Fixtures.big(targets: 5, jobsPerTarget: 400)
        let result = try Promtool.check(MetricsRenderer.render(snapshot, process: ProcessStats.current(), now: Fixtures.now, format: .prometheusText))
        #expect(result.output == "")
        #expect(result.status == 0)
    }

    @Test("promtool does report a broken page, so an empty answer means something")
    func detectsBrokenPage() throws {
        let result = try Promtool.check(Array("# TYPE broken counter\nbroken{a=\"x} 1\n".utf8))
        #expect(result.status != 0)
    }
}

/// Where `promtool` is, and how to run it on a page.
enum Promtool {
    static let path: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/promtool" } + ["/usr/bin/promtool"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Feeds `page` to `promtool check metrics` on stdin. Stdin and output go through files, not
    /// pipes: a page of megabytes would fill a pipe, and a promtool that exits early must not
    /// leave this process writing into a closed pipe.
    static func check(_ page: [UInt8]) throws -> (status: Int32, output: String) {
        let directory = try TemporaryDirectory()
        let input = directory.url.appendingPathComponent("page.prom")
        let output = directory.url.appendingPathComponent("output.txt")
        try Data(page).write(to: input)
        try Data().write(to: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let outputHandle = try FileHandle(forWritingTo: output)
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try process.run()
        process.waitUntilExit()
        try outputHandle.close()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }
}
