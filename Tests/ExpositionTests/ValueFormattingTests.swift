import BackupModel
import Exposition
import TestSupport
import Testing

@Suite("Sample values")
struct ValueFormattingTests {
    /// Renders `value` as a run's size and returns the text written for it.
    static func written(_ value: Double) -> String? {
        let run = ObservedRun(id: "r", state: .succeeded, sizeBytes: value)
        let page = MetricsPage(Fixtures.text(Fixtures.single([JobSnapshot(id: "j", name: "", lastRun: run, history: JobHistory())])))
        return page.samples(named: "backup_job_last_run_size_bytes").first?.value
    }

    @Test("values are written as Prometheus clients write them", arguments: [
        (1.0, "1"), (0.0, "0"), (-0.0, "0"), (-3.0, "-3"), (0.5, "0.5"), (1_700_000_000, "1700000000"),
        (1_700_000_000.25, "1700000000.25"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1e16, "1e+16"),
        (123_456_789_012, "123456789012"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
    ])
    func exactText(value: Double, text: String) {
        #expect(Self.written(value) == text)
    }

    @Test("NaN is written as NaN")
    func notANumber() {
        #expect(Self.written(.nan) == "NaN")
    }

    @Test("every written value parses back to the identical Double", arguments: [
        0.1, 1.0 / 3, 2.0 / 3 * 1e9, 1_700_000_000.123456, .leastNonzeroMagnitude, 2.2250738585072014e-308,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0x1p53, 0x1p53 + 2, 0x1p53 - 1, 0x1p63,
        1e21, 123_456.789e-10, -987.654321, 4.35, 299_792_458.000_001,
    ])
    func roundTrip(value: Double) throws {
        let text = try #require(Self.written(value))
        #expect(Double(text)?.bitPattern == value.bitPattern, "written as \(text)")
    }
}
