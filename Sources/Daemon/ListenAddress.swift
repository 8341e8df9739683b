/// `--web.listen-address` as Prometheus exporters write it: `:9871` (all addresses),
/// `127.0.0.1:9871`, `[::1]:9871`, `localhost:9871`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses the flag's text; nil when it is not `host:port` with a port from 0 to 65535.
    public init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        guard let port = Int(portPart), (0...65535).contains(port) else { return nil }
        // An empty host means every address: IPv4 here, so it works on hosts without IPv6.
        self.init(host: hostPart.isEmpty ? "0.0.0.0" : String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
