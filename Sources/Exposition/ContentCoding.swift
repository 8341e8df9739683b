import BackupModel
import FoundationEssentials

/// `Accept-Encoding` negotiation for the metrics page: gzip or the plain page (identity).
public enum ContentCoding {
    /// True when the client takes gzip: `gzip` or `*` listed with a quality above zero (RFC 9110
    /// §12.5.3). `gzip;q=0` refuses it; no header means identity only, as Prometheus' client
    /// libraries read it.
    public static func acceptsGzip(_ values: [String]) -> Bool {
        var gzip: Double?
        var wildcard: Double?
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingWhitespace() }
                guard let coding = parts.first?.lowercased(), !coding.isEmpty else { continue }
                var quality = 1.0
                for parameter in parts.dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                    if pair.count == 2, pair[0].lowercased() == "q" { quality = Double(pair[1]) ?? 0 }
                }
                if coding == "gzip" || coding == "x-gzip" { gzip = max(gzip ?? 0, quality) }
                if coding == "*" { wildcard = quality }
            }
        }
        return (gzip ?? wildcard ?? 0) > 0
    }
}
