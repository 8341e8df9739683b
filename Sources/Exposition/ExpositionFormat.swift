/// The two page formats a scraper can ask for.
///
/// Prometheus 3 lists OpenMetrics first in its `Accept` header, so in practice the OpenMetrics page
/// is what most scrapes get: both pages carry the same series with the same labels, and only the
/// framing differs (family names of counters, `# EOF`).
public enum ExpositionFormat: Sendable, Hashable {
    case prometheusText
    case openMetrics

    /// The exact `Content-Type` to answer with. Prometheus 3 refuses a scrape whose header is
    /// missing or unparseable, so these strings are part of the contract.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Chooses the format for a request's `Accept` header.
    ///
    /// OpenMetrics is served only when the header names `application/openmetrics-text` itself
    /// (a wildcard is not enough) with a version this writer produces (`1.0.0`, `0.0.1` or none),
    /// a quality above zero and at least the quality the header gives the text format. Anything
    /// else, including no header or an unparseable one, gets the text format, which every scraper
    /// understands.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var openMetricsQuality = 0.0
        var textQuality = 0.0
        var textSpecificity = -1
        for range in MediaRange.parseList(accept) {
            if range.type == "application/openmetrics-text" {
                if range.version == nil || range.version == "1.0.0" || range.version == "0.0.1" {
                    openMetricsQuality = max(openMetricsQuality, range.quality)
                }
                continue
            }
            // The most specific range that matches text/plain decides its quality (RFC 9110 12.5.1).
            let specificity: Int
            switch range.type {
            case "text/plain" where range.version == nil || range.version == "0.0.4": specificity = 2
            case "text/*": specificity = 1
            case "*/*": specificity = 0
            default: continue
            }
            if specificity > textSpecificity {
                textSpecificity = specificity
                textQuality = range.quality
            } else if specificity == textSpecificity {
                textQuality = max(textQuality, range.quality)
            }
        }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .prometheusText
    }
}
