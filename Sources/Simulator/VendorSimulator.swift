import WebServer

/// One simulated vendor server on a real socket: the vendor's API behind a fault switch, plus a
/// control endpoint (`/_sim/fault`) so a test in another process (the systemd harness) can make it
/// misbehave.
public final class VendorSimulator: Sendable {
    public let faults: FaultSwitch
    public let server: SimulatorHTTPServer
    public let vendor: String

    public var port: Int { server.port }
    /// "https" when started with a TLS context, like an appliance with its own certificate.
    public let scheme: String
    public var baseURL: String { "\(scheme)://\(server.host.contains(":") ? "[\(server.host)]" : server.host):\(server.port)" }

    private init(vendor: String, faults: FaultSwitch, server: SimulatorHTTPServer, scheme: String = "http") {
        self.vendor = vendor
        self.faults = faults
        self.server = server
        self.scheme = scheme
    }

    /// Starts serving `handler` (a vendor's API) on `host:port` (port 0 picks a free one), over
    /// HTTPS when `tls` is given.
    public static func start(vendor: String, host: String = "127.0.0.1", port: Int = 0, tls: ServerTLSContext? = nil,
                             handler: @escaping HTTPHandler) async throws -> VendorSimulator {
        let faults = FaultSwitch()
        let server = try await SimulatorHTTPServer.start(host: host, port: port, tls: tls.map { TLSContextSource($0) }) { request in
            if request.path == "/_sim/fault" {
                return .init(Self.control(request, faults: faults))
            }
            return await FaultInjection.apply(faults, request: request, next: handler)
        }
        return VendorSimulator(vendor: vendor, faults: faults, server: server, scheme: tls == nil ? "http" : "https")
    }

    public func stop() async {
        faults.set(nil)
        await server.shutdown()
    }

    /// `POST /_sim/fault?kind=status&value=503`, `kind=none` clears. Kinds: status, unauthorized
    /// (value = count), delay (seconds), hang, truncated, malformed, drop, huge (bytes), drip,
    /// reset, html.
    static func control(_ request: HTTPRequest, faults: FaultSwitch) -> HTTPResponse {
        let query = request.query
        let value = query["value"].flatMap(Double.init)
        let fault: Fault?
        switch query["kind"] ?? "" {
        case "none": fault = nil
        case "status": fault = .status(Int(value ?? 500))
        case "unauthorized": fault = .unauthorizedTimes(Int(value ?? 1))
        case "delay": fault = .delay(value ?? 5)
        case "hang": fault = .hang
        case "truncated": fault = .truncatedBody
        case "malformed": fault = .malformedBody
        case "drop": fault = .dropConnection
        case "huge": fault = .hugeBody(Int(value ?? 100_000_000))
        case "drip": fault = .slowDrip
        case "reset": fault = .resetMidBody
        case "html": fault = .wrongContentType
        default: return .text("unknown fault kind\n", status: .badRequest)
        }
        faults.set(fault)
        return .text("ok\n")
    }
}
