import AsyncHTTPClient
import BackupModel
import ExporterConfig
import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One target's way to the network: base URL, TLS trust, per-request timeout and body cap, all
/// derived once from the config. Requests go through the daemon's `VendorHTTPClient` for this
/// target's timeout, so connections are pooled per host and TLS settings.
///
/// Every failure comes out as a `PollError` whose reason is the metric label and whose message
/// names the method and path, never a header or a body: those may hold credentials.
public struct TargetConnection: Sendable {
    public let baseURL: String
    public let timeout: Double
    public let maxResponseBytes: Int
    private let tls: NIOSSL.TLSConfiguration?
    private let client: HTTPClient

    public init(target: TargetConfiguration, client: VendorHTTPClient) throws(ConfigError) {
        self.baseURL = target.url
        self.timeout = target.timeout
        self.maxResponseBytes = target.maxResponseBytes
        self.client = client.client(timeout: target.timeout)
        self.tls = try Self.tlsConfiguration(for: target)
    }

    /// The target's TLS settings, nil for the system defaults. Loading the CA file's certificates
    /// needs NIOSSL, which the config module does not link, so `check-config` calls this too.
    public static func tlsConfiguration(for target: TargetConfiguration) throws(ConfigError) -> NIOSSL.TLSConfiguration? {
        var tls = NIOSSL.TLSConfiguration.makeClientConfiguration()
        var customised = false
        if let caFile = target.tls.caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                tls.additionalTrustRoots = [.certificates(certificates)]
                customised = true
            } catch {
                throw ConfigError(file: target.file, line: target.line, key: "targets(\(target.name)).tls.ca_file",
                                  message: "cannot read PEM certificates from \(caFile): \(error)")
            }
        }
        if target.tls.insecureSkipVerify {
            tls.certificateVerification = .none
            customised = true
        }
        return customised ? tls : nil
    }

    /// Sends one request and collects the whole body (up to `maxResponseBytes`).
    ///
    /// - Parameter path: appended to the base URL; starts with `/`, may carry a query.
    public func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil) async throws(PollError) -> VendorResponse {
        let context = "\(method.rawValue) \(Self.pathOnly(path))"
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers
        if request.headers["User-Agent"].isEmpty {
            request.headers.add(name: "User-Agent", value: "backup-exporter")
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        request.tlsConfiguration = tls
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw Self.classify(error, context: context, phase: .connecting)
        }
        do {
            let bytes = try await Self.collect(response.body, upTo: maxResponseBytes, by: deadline)
            return VendorResponse(status: Int(response.status.code), headers: response.headers, body: bytes, context: context)
        } catch is BodyDeadlinePassed {
            throw PollError(.timeout, "\(context): the whole answer did not arrive within the timeout")
        } catch is NIOTooManyBytesError {
            throw PollError(.decode, "\(context): response body larger than \(maxResponseBytes) bytes")
        } catch {
            throw Self.classify(error, context: context, phase: .readingBody)
        }
    }

    private struct BodyDeadlinePassed: Error {}

    /// The body, read by the same deadline as the request. AsyncHTTPClient's deadline ends once
    /// the response head has arrived: a body that stalls after it (a link that went dark in the
    /// middle of an answer) would hold the poll until the poll's own deadline, an interval later.
    /// Leaving the group cancels the read, which cancels the request.
    private static func collect(_ body: HTTPClientResponse.Body, upTo limit: Int, by deadline: NIODeadline) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                let left = (deadline - NIODeadline.now()).nanoseconds
                try await Task.sleep(nanoseconds: UInt64(max(0, left)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else { throw BodyDeadlinePassed() }
            return bytes
        }
    }

    enum Phase { case connecting, readingBody }

    /// Maps transport errors to reason labels. The cases are matched by type and code where
    /// AsyncHTTPClient exposes them; TLS errors are recognised by their NIOSSL types.
    static func classify(_ error: any Error, context: String, phase: Phase) -> PollError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout:
                return PollError(.timeout, "\(context): no answer within the timeout")
            case .cancelled:
                return PollError(.timeout, "\(context): cancelled")
            case .remoteConnectionClosed:
                return phase == .readingBody
                    ? PollError(.decode, "\(context): connection closed before the body was complete")
                    : PollError(.connect, "\(context): connection closed before an answer")
            case .invalidURL, .emptyHost, .emptyScheme:
                return PollError(.other, "\(context): invalid URL")
            default:
                break
            }
        }
        if let error = error as? HTTPParserError, error == .invalidEOFState {
            // The server closed in the middle of a Content-Length body. Whether this surfaces from
            // `execute` or from reading the body depends on how the bytes were split into reads,
            // so the phase cannot decide: it is a truncated answer either way.
            return PollError(.decode, "\(context): connection closed before the body was complete")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return PollError(.tls, "\(context): TLS failed: \(error)")
        }
        if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return PollError(.connect, "\(context): cannot resolve host")
            }
            return PollError(.connect, "\(context): cannot connect")
        }
        if error is ChannelError || error is IOError {
            return phase == .readingBody
                ? PollError(.decode, "\(context): connection failed while reading the body")
                : PollError(.connect, "\(context): cannot connect (\(error))")
        }
        if error is HTTPParserError {
            // A close in the middle of a body reaches us as the parser's invalid EOF, not as
            // `remoteConnectionClosed`: it is a body we could not read, like the case above.
            return phase == .readingBody
                ? PollError(.decode, "\(context): connection closed before the body was complete")
                : PollError(.http, "\(context): malformed HTTP answer")
        }
        if error is CancellationError {
            return PollError(.timeout, "\(context): cancelled")
        }
        let typeName = String(reflecting: type(of: error))
        if typeName.contains("SSL") || typeName.contains("TLS") {
            return PollError(.tls, "\(context): TLS failed")
        }
        return PollError(.other, "\(context): \(typeName)")
    }

    static func pathOnly(_ path: String) -> String {
        guard let q = path.firstIndex(of: "?") else { return path }
        return String(path[..<q])
    }
}

/// A response with its body collected.
public struct VendorResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// "GET /api/…" for error messages.
    public var context: String

    public var bodyBytes: ByteBufferView { body.readableBytesView }

    /// Maps non-2xx statuses to reason labels: 401 and 403 are `auth`, everything else `http`.
    public func requireSuccess() throws(PollError) {
        switch status {
        case 200..<300: return
        case 401, 403: throw PollError(.auth, "\(context): HTTP \(status)")
        default: throw PollError(.http, "\(context): HTTP \(status)")
        }
    }

    /// The body as JSON after checking the status.
    public func json() throws(PollError) -> JSONValue {
        try requireSuccess()
        return try JSONValue.parse(bodyBytes, context: context)
    }
}
