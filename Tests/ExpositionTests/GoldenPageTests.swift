import BackupModel
import Exposition
import Foundation
import TestSupport
import Testing

/// Whole-page comparisons against the files in `Fixtures/`, in the manner of node_exporter's
/// `e2e-output.txt`: the cheapest way to notice a renamed family, a lost `# HELP` or a changed
/// label order.
///
/// After an *intended* change of the page, regenerate the fixtures with
///
///     UPDATE_GOLDEN=1 swift test --filter ExpositionTests.GoldenPageTests
///
/// and review `git diff Tests/ExpositionTests/Fixtures` before committing: the diff is exactly
/// what every dashboard and alert rule will see change. While UPDATE_GOLDEN is set these tests
/// write the files and pass.
@Suite("Golden pages")
struct GoldenPageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test("the fixed snapshot renders to exactly Fixtures/golden.prom in the text format")
    func textPage() throws {
        try compare(Fixtures.text(Fixtures.golden), with: "golden.prom")
    }

    @Test("the fixed snapshot renders to exactly Fixtures/golden.openmetrics in OpenMetrics")
    func openMetricsPage() throws {
        try compare(Fixtures.text(Fixtures.golden, format: .openMetrics), with: "golden.openmetrics")
    }

    private func compare(_ rendered: String, with file: String) throws {
        let url = Self.fixtures.appendingPathComponent(file)
        if try GoldenUpdate.requested() {
            try Data(rendered.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(rendered == expected, Comment(rawValue: GoldenFile.firstDifference(rendered, expected, file: file)))
    }
}
