import AsyncHTTPClient

/// The one `HTTPClient` the daemon shares across all targets, configured for polling vendors.
public enum VendorHTTPClient {
    public static func make() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // A redirect could carry the Authorization header to another host: never follow one.
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(90))
        // A refused connection is an answer (the service is down): report it now with reason
        // `connect`, instead of retrying until the request's deadline turns it into a timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
