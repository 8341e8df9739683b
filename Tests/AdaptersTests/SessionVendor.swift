import Adapters
import BackupModel
import ExporterConfig
import Simulator
import Testing

/// The login-based vendors (Unitrends, Veeam M365) as the tests they share see them. Token
/// renewal, revocation, refused logins and the fault switches must behave alike for both, so
/// `SessionVendorTests` runs each of those tests once per vendor; what differs is here.
enum SessionVendor: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unitrends
    case veeamM365 = "veeam_m365"

    var testDescription: String { rawValue }

    /// A running simulator of this vendor with its default jobs, 455 s into their cycle.
    struct Simulation: Sendable {
        let simulator: any CountsLogins
        let server: VendorSimulator
        var url: String { server.baseURL }

        init<Simulator: CountsLogins>(_ fixture: SimulatorFixture<Simulator>) {
            simulator = fixture.simulator
            server = fixture.server
        }
    }

    /// API calls in one poll of the default jobs at 455 s (Unitrends: backups, active jobs;
    /// Veeam: jobs, then each job's sessions).
    var callsPerPoll: Int {
        switch self {
        case .unitrends: 2
        case .veeamM365: 3
        }
    }

    /// The first API call of a poll: the one a refused token fails.
    var firstCall: String {
        switch self {
        case .unitrends: "POST /api/backups"
        case .veeamM365: "GET /v8/Jobs"
        }
    }

    /// The error a login with the wrong password ends in.
    var refusedLogin: PollError {
        switch self {
        case .unitrends: PollError(.auth, "POST /api/login: HTTP 401")
        case .veeamM365: PollError(.auth, "POST /v8/Token: HTTP 400 invalid_grant (credentials or refresh token refused)")
        }
    }

    /// The target for `url` as the vendor's own tests build it; `extra` is YAML under the target.
    func target(_ url: String, password: String = SessionVendorHarness.password, timeout: String = "5s",
                extra: String = "") throws -> TargetConfiguration {
        switch self {
        case .unitrends:
            try UnitrendsIntegrationTests.target(url, password: password, timeout: timeout, extra: extra)
        case .veeamM365:
            try SessionVendorHarness.target(vendor: rawValue, url: url, username: VeeamM365IntegrationTests.user,
                                            password: password, timeout: timeout, extra: extra)
        }
    }

    func withSimulation(_ body: (Simulation) async throws -> Void) async throws {
        switch self {
        case .unitrends: try await UnitrendsIntegrationTests.withSimulator { try await body(Simulation($0)) }
        case .veeamM365: try await VeeamM365IntegrationTests.withSimulator { try await body(Simulation($0)) }
        }
    }
}

/// A simulated login-based vendor's token switches and what its counters say about logins.
protocol CountsLogins: IssuesAccessTokens {
    /// Logins with the password (Veeam's refresh grants are not counted).
    var logins: Int { get }
    var refusedLogins: Int { get }
    var rejectedTokens: Int { get }
    /// The API calls answered after a login, in order.
    var calls: [String] { get }
}

extension UnitrendsSimulator: CountsLogins {
    var logins: Int { counters.logins }
    var refusedLogins: Int { counters.refusedLogins }
    var rejectedTokens: Int { counters.rejectedTokens }
    var calls: [String] { counters.calls }
}

extension VeeamM365Simulator: CountsLogins {
    var logins: Int { counters.passwordLogins }
    var refusedLogins: Int { counters.refusedLogins }
    var rejectedTokens: Int { counters.rejectedTokens }
    var calls: [String] { counters.calls }
}
