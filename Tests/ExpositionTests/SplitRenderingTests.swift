import BackupModel
import Exposition
import Testing

/// The daemon caches the store's families and appends fresh process families per scrape; the
/// two halves must make exactly the page `render` makes, in both formats.
@Suite("Split rendering")
struct SplitRenderingTests {
    @Test("store families + process families == the whole page", arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func halvesMakeTheWhole(format: ExpositionFormat) {
        let whole = MetricsRenderer.render(Fixtures.golden, process: Fixtures.process, now: Fixtures.now, format: format)
        let halves = MetricsRenderer.renderStoreFamilies(Fixtures.golden, now: Fixtures.now, format: format)
            + MetricsRenderer.renderProcessFamilies(Fixtures.process, format: format)
        #expect(halves == whole)
        #expect(whole.count > 1000)
    }
}
