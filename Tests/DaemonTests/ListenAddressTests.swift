import Daemon
import Testing

@Suite("--web.listen-address")
struct ListenAddressTests {
    @Test("exporter-style addresses parse", arguments: [
        (":9871", "0.0.0.0", 9871),
        ("127.0.0.1:9100", "127.0.0.1", 9100),
        ("[::1]:9871", "::1", 9871),
        ("localhost:0", "localhost", 0),
    ])
    func parses(text: String, host: String, port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
    }

    @Test("malformed addresses are refused", arguments: ["9871", "::1:9871", "host:port", "host:70000", "[::1]9871", ""])
    func refuses(text: String) {
        #expect(ListenAddress(text) == nil)
    }
}
