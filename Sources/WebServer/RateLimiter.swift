import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// exporter-toolkit's `rate_limit`, which is Go's `rate.Limiter`: a bucket of `burst` tokens,
/// full at the start, refilled at one token per `interval`; a request takes a token or is
/// refused. A burst of 0 refuses everything, as there.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var last: NIODeadline
    }

    public let interval: Double
    public let burst: Int
    private let bucket: NIOLockedValueBox<Bucket>

    public init(interval: Double, burst: Int, now: NIODeadline = .now()) {
        self.interval = interval
        self.burst = burst
        bucket = NIOLockedValueBox(Bucket(tokens: Double(burst), last: now))
    }

    /// Takes a token when one is there.
    public func allow(now: NIODeadline = .now()) -> Bool {
        bucket.withLockedValue { bucket in
            let elapsed = Double((now - bucket.last).nanoseconds) / 1e9
            if elapsed > 0 {
                bucket.tokens = min(Double(burst), bucket.tokens + elapsed / interval)
                bucket.last = now
            }
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }

    /// What Go's `http.Error` sends for 429, the toolkit's answer.
    public static func refusal() -> HTTPResponse {
        var response = HTTPResponse.text("Too Many Requests\n", status: .tooManyRequests)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
