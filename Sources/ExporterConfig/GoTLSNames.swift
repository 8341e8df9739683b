/// The words exporter-toolkit's web config uses for TLS settings, which are Go's `crypto/tls`
/// names, with what they mean to BoringSSL (what NIOSSL runs). The config accepts exactly Go's
/// words so that a file copied from node_exporter loads; the TLS layer gets the library's terms.
public enum GoTLSNames {
    /// Go's `tls.CipherSuites()` names (the ones exporter-toolkit accepts) → OpenSSL cipher names.
    /// The three TLS 1.3 suites map to nil: Go accepts them in `cipher_suites` but, like
    /// BoringSSL, does not let a TLS 1.3 suite be configured, so they change nothing.
    public static let cipherSuites: [String: String?] = [
        "TLS_AES_128_GCM_SHA256": nil,
        "TLS_AES_256_GCM_SHA384": nil,
        "TLS_CHACHA20_POLY1305_SHA256": nil,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
        "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    ]

    /// Go's HTTP/2 server refuses to start when `cipher_suites` (below TLS 1.3) holds neither of
    /// these, and with it the exporter: exporter-toolkit's `noHTTP2Cipher` case.
    public static let http2RequiredCipherSuites: Set<String> = [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ]

    /// exporter-toolkit's `curve_preferences` words → IANA TLS group ids.
    public static let curves: [String: UInt16] = [
        "CurveP256": 23, "CurveP384": 24, "CurveP521": 25, "X25519": 29,
    ]

    /// `min_version` / `max_version` words, in order.
    public static let versions = ["TLS10", "TLS11", "TLS12", "TLS13"]
}
