import Foundation
import NIOSSL
import TestSupport

/// A private CA and the certificates the TLS tests need, made with the `openssl` command at
/// test time (nothing secret or expiring is checked in). Made once per test process.
struct TLSTestCertificates: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.crt" }
    /// For 127.0.0.1 and localhost, signed by the CA.
    var serverCertificate: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    /// For 127.0.0.1 and localhost, signed by itself: an appliance's factory certificate.
    var selfSignedCertificate: String { directory + "/self.crt" }
    var selfSignedKey: String { directory + "/self.key" }
    /// A client certificate signed by the CA, for mutual TLS.
    var clientCertificate: String { directory + "/client.crt" }
    var clientKey: String { directory + "/client.key" }
    /// A second CA nobody trusts, and a server certificate it signed.
    var otherCACertificate: String { directory + "/other-ca.crt" }
    /// For 127.0.0.1 and localhost, signed by the other CA: a renewed certificate from a new CA.
    var otherServerCertificate: String { directory + "/other-server.crt" }
    var otherServerKey: String { directory + "/other-server.key" }
    /// Signed by the CA, with SANs DNS:test3, IP:10.0.0.7 and URI:spiffe://example/one.
    var sanClientCertificate: String { directory + "/client-san.crt" }
    var sanClientKey: String { directory + "/client-san.key" }
    /// A client certificate signed by the other CA: one no policy that verifies will accept.
    var strangerCertificate: String { directory + "/stranger.crt" }
    var strangerKey: String { directory + "/stranger.key" }

    static let shared: Result<TLSTestCertificates, TLSTestCertificateError> = Result { () throws(TLSTestCertificateError) in
        try make()
    }

    static func get() throws -> TLSTestCertificates { try shared.get() }

    private static func make() throws(TLSTestCertificateError) -> TLSTestCertificates {
        let directory: String
        do { directory = try TemporaryDirectory.kept() } catch { throw .openssl("cannot make a temporary directory") }
        let certificates = TLSTestCertificates(directory: directory)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let leaf = "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        try write(leaf + "extendedKeyUsage=serverAuth\n", to: directory + "/server.ext")
        try write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n", to: directory + "/client.ext")
        try write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:test3,IP:10.0.0.7,URI:spiffe://example/one\n",
                  to: directory + "/client-san.ext")
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + key + ["-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "2",
                        "-subj", "/CN=backup-exporter test \(ca)",
                        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                        in: directory)
        }
        for (name, ca, ext) in [("server", "ca", "server"), ("client", "ca", "client"), ("other-server", "other-ca", "server"),
                                ("client-san", "ca", "client-san"), ("stranger", "other-ca", "client")] {
            try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"], in: directory)
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", "2", "-extfile", "\(ext).ext"], in: directory)
        }
        try openssl(["req", "-x509"] + key + ["-keyout", "self.key", "-out", "self.crt", "-days", "2", "-subj", "/CN=appliance",
                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], in: directory)
        for file in ["ca.key", "other-ca.key", "server.key", "client.key", "self.key", "other-server.key", "client-san.key", "stranger.key"] {
            chmod(directory + "/" + file, 0o600)
        }
        return certificates
    }

    private static func write(_ text: String, to path: String) throws(TLSTestCertificateError) {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw .openssl("cannot write \(path)") }
    }

    private static func openssl(_ arguments: [String], in directory: String) throws(TLSTestCertificateError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw .openssl("cannot run /usr/bin/openssl: \(error)") }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .openssl("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// A client configuration that trusts the test CA (and nothing else), optionally showing
    /// the test client certificate.
    func clientTLS(trustingCA: Bool = true, withClientCertificate: Bool = false) throws -> NIOSSL.TLSConfiguration {
        try clientTLS(trustingCA: trustingCA, certificate: withClientCertificate ? (clientCertificate, clientKey) : nil)
    }

    /// As above, showing the given certificate and key files.
    func clientTLS(trustingCA: Bool = true, certificate: (file: String, key: String)?) throws -> NIOSSL.TLSConfiguration {
        var tls = NIOSSL.TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(trustingCA ? caCertificate : otherCACertificate))
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.file).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
        }
        return tls
    }
}

enum TLSTestCertificateError: Error, CustomStringConvertible {
    case openssl(String)
    var description: String {
        switch self { case .openssl(let message): message }
    }
}
