import NIOConcurrencyHelpers
import WebServer

/// The daemon's current web config as the HTTP server applies it: the TLS context for new
/// connections and the basic auth check in front of every endpoint. A reload swaps both at once;
/// requests already past the check are not affected.
final class WebAccess: Sendable {
    let tls = TLSContextSource()
    private let authenticator = NIOLockedValueBox<BasicAuthenticator?>(nil)

    func apply(_ configuration: WebConfiguration) {
        tls.replace(with: configuration.tls)
        authenticator.withLockedValue { $0 = configuration.authenticator }
    }

    /// `next`'s answer when the request may see it, a 401 challenge otherwise.
    func respond(to request: HTTPRequest, next: (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        guard let authenticator = authenticator.withLockedValue({ $0 }),
              !WebConfiguration.unauthenticatedPaths.contains(request.path) else {
            return await next(request)
        }
        guard await authenticator.isAuthorized(request) else { return BasicAuthenticator.challenge() }
        return await next(request)
    }
}
