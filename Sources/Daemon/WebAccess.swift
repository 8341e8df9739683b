import NIOConcurrencyHelpers
import WebServer

/// The daemon's current web config as the HTTP server applies it: the TLS context for new
/// connections, and in front of every endpoint the rate limit, the configured headers and the
/// basic auth check, in exporter-toolkit's order (a 429 carries no configured header, a 401
/// does). A reload swaps them all at once; requests already past the check are not affected.
final class WebAccess: Sendable {
    private struct Rules {
        var authenticator: BasicAuthenticator?
        var headers: [(name: String, value: String)] = []
        var limiter: RateLimiter?
    }

    let tls: TLSContextSource
    private let rules = NIOLockedValueBox(Rules())

    init(onRotation: (@Sendable (Result<Void, ServerTLSError>) -> Void)? = nil) {
        tls = TLSContextSource(onRotation: onRotation)
    }

    func apply(_ configuration: WebConfiguration) {
        tls.replace(with: configuration.tls)
        rules.withLockedValue { rules in
            // An unchanged limit keeps its bucket, so a reload is no way around it.
            let limit = configuration.rateLimit
            let limiter = rules.limiter.flatMap { $0.interval == limit?.interval && $0.burst == limit?.burst ? $0 : nil }
                ?? limit.map { RateLimiter(interval: $0.interval, burst: $0.burst) }
            rules = Rules(authenticator: configuration.authenticator, headers: configuration.headers, limiter: limiter)
        }
    }

    /// `next`'s answer when the request may see it, a 429 or a 401 challenge otherwise.
    func respond(to request: HTTPRequest, next: (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        let current = rules.withLockedValue { $0 }
        if let limiter = current.limiter, !limiter.allow() { return RateLimiter.refusal() }
        var response: HTTPResponse
        if let authenticator = current.authenticator, !WebConfiguration.unauthenticatedPaths.contains(request.path),
           !(await authenticator.isAuthorized(request)) {
            response = BasicAuthenticator.challenge()
        } else {
            response = await next(request)
        }
        for header in current.headers { response.headers.replaceOrAdd(name: header.name, value: header.value) }
        return response
    }
}
