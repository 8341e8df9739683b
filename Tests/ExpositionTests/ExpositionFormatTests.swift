import Exposition
import Testing

@Suite("Format negotiation")
struct ExpositionFormatTests {
    static let prometheus3Accept =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,"
        + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
    static let prometheus2Accept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test("OpenMetrics only when Accept names it with a usable version and a quality above zero", arguments: [
        (nil, ExpositionFormat.prometheusText),
        ("", .prometheusText),
        ("*/*", .prometheusText),
        ("text/plain", .prometheusText),
        ("text/plain;version=0.0.4", .prometheusText),
        ("application/*", .prometheusText),
        ("garbage", .prometheusText),
        ("application/openmetrics-text", .openMetrics),
        ("Application/OpenMetrics-Text; Version=1.0.0", .openMetrics),
        ("application/openmetrics-text; version=\"1.0.0\"", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("application/openmetrics-text;version=2.0.0", .prometheusText),
        ("application/openmetrics-text;q=0", .prometheusText),
        ("application/openmetrics-text; version=1.0.0; q=0.0, text/plain", .prometheusText),
        ("application/openmetrics-text;q=nonsense", .prometheusText),
        ("application/openmetrics-text;q=0.5, text/plain", .prometheusText),
        ("text/plain;q=0.5, application/openmetrics-text", .openMetrics),
        ("text/plain;q=0, application/openmetrics-text;q=0.1", .openMetrics),
        ("application/openmetrics-text;q=0.5, */*;q=0.9", .prometheusText),
        ("application/openmetrics-text;q=0.5, text/plain;q=0.1, */*;q=0.9", .openMetrics),
        (prometheus2Accept, .openMetrics),
        (prometheus3Accept, .openMetrics),
        ("text/plain;version=0.0.4;q=1,*/*;q=0.1", .prometheusText),
    ])
    func negotiate(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test("content types are exactly the ones Prometheus 3 accepts")
    func contentTypes() {
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }
}
