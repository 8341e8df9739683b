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
    /// The event loop this target's polls and requests run on (`LoopBoundAdapter`), and its
    /// connections are opened on.
    ///
    /// Requests ask for it with `.delegate(on:)`, not `.delegateAndChannel(on:)`: AsyncHTTPClient
    /// closes a connection it opened only to satisfy `.delegateAndChannel` as soon as it is idle.
    /// Once the first kept connection was lost (a poll cancelled mid-request), every later request
    /// opened its own connection, a TCP (and TLS) handshake each; under 30 % packet loss that
    /// timed out every Veeam poll in the net-fault test.
    let executor: EventLoopTaskExecutor

    public init(target: TargetConfiguration, client: VendorHTTPClient) throws(ConfigError) {
        self.baseURL = target.url
        self.timeout = target.timeout
        self.maxResponseBytes = target.maxResponseBytes
        self.client = client.client(timeout: target.timeout)
        self.executor = EventLoopTaskExecutor(loop: self.client.eventLoopGroup.next())
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
    /// The request and its body are read on the connection's event loop by a `ResponseCollector`,
    /// and the poll's task waits once, for the whole answer. Why not AsyncHTTPClient's async
    /// `execute` and its body sequence: every body part and every demand for the next one moved
    /// between the event loop and the task pool, and the body needed a task group with a timer
    /// task of its own for its deadline. At 1,000 jobs that was most of the polls' CPU, spent in
    /// the kernel switching threads (bench/README.md).
    ///
    /// The deadline covers the whole answer, body included: a body that stalls after the head (a
    /// link that went dark in the middle of an answer) ends at the target's timeout, not at the
    /// poll's own deadline an interval later.
    ///
    /// - Parameter path: appended to the base URL; starts with `/`, may carry a query.
    public func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil) async throws(PollError) -> VendorResponse {
        let context = "\(method.rawValue) \(Self.pathOnly(path))"
        var headers = headers
        if headers["User-Agent"].isEmpty {
            headers.add(name: "User-Agent", value: "backup-exporter")
        }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: baseURL + path, method: method, headers: headers,
                                             body: body.map { .bytes($0) }, tlsConfiguration: tls)
        } catch {
            throw Self.classify(error, context: context, phase: .connecting)
        }
        let collector = ResponseCollector(limit: maxResponseBytes)
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        let task = client.execute(request: request, delegate: collector,
                                  eventLoop: .delegate(on: executor.loop), deadline: deadline)
        do {
            let answer = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return VendorResponse(status: Int(answer.head.status.code), headers: answer.head.headers,
                                  body: answer.body, context: context)
        } catch let error as HTTPClientError where error == .deadlineExceeded && collector.headArrived {
            throw PollError(.timeout, "\(context): the whole answer did not arrive within the timeout")
        } catch is ResponseCollector.TooLarge {
            throw PollError(.decode, "\(context): response body larger than \(maxResponseBytes) bytes")
        } catch {
            throw Self.classify(error, context: context, phase: collector.headArrived ? .readingBody : .connecting)
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
