import Foundation

/// Every simulated vendor, started together with the demo's jobs: what `backup-simulator` and
/// `backup-exporter demo` run. Credentials are fixed and public on purpose (it is a simulator).
public final class SimulatorSuite: Sendable {
    public static let inetToken = "demo-inet-token"
    public static let inetUser = "monitor"
    public static let inetPassword = "demo-inet-password"
    public static let veeamUser = "monitor@contoso.example"
    public static let veeamPassword = "demo-veeam-password"
    public static let unitrendsUser = "monitor"
    public static let unitrendsPassword = "demo-unitrends-password"
    /// The simulated Unitrends appliance writes its local times in this zone, and the demo
    /// config says so, as an operator must.
    public static let unitrendsTimeZone = "America/New_York"
    /// Where the Unitrends simulator serves its appliance without `/api/jobs/active`.
    public static let legacyUnitrendsPath = "/legacy-appliance"
    public static let commvaultUser = "admin"
    public static let commvaultPassword = "demo-commvault-password"
    public static let eclypseUser = "admin"
    public static let eclypsePassword = "demo-eclypse-password"

    public let inet: VendorSimulator
    public let veeamM365: VendorSimulator
    public let unitrends: VendorSimulator
    public let commvault: VendorSimulator
    public let eclypse: VendorSimulator
    /// The Commvault simulator's session switches (token expiry), for the demo and tests.
    public let commvaultSessions: CommvaultSessions
    /// The ECLYPSE simulator's switches (forgotten job ids).
    public let eclypseControls: EclypseControls
    public let clock: SimulatorClock
    private let sessionTokens: @Sendable () -> [String: [String]]

    /// Every session secret the simulators handed out so far, by kind ("veeam access",
    /// "veeam refresh", "unitrends", "commvault"): the exact values a leak test must not find.
    public var issuedSessionTokens: [String: [String]] { sessionTokens() }

    private init(inet: VendorSimulator, veeamM365: VendorSimulator, unitrends: VendorSimulator,
                 commvault: VendorSimulator, eclypse: VendorSimulator,
                 commvaultSessions: CommvaultSessions, eclypseControls: EclypseControls, clock: SimulatorClock,
                 sessionTokens: @escaping @Sendable () -> [String: [String]]) {
        self.inet = inet
        self.veeamM365 = veeamM365
        self.unitrends = unitrends
        self.commvault = commvault
        self.eclypse = eclypse
        self.commvaultSessions = commvaultSessions
        self.eclypseControls = eclypseControls
        self.clock = clock
        self.sessionTokens = sessionTokens
    }

    /// Starts the servers on `host`; `basePort` 0 picks free ports, otherwise vendors take
    /// consecutive ports from it (i-net first).
    public static func start(host: String = "127.0.0.1", basePort: Int = 0, clock: SimulatorClock = .system()) async throws -> SimulatorSuite {
        // Start the cycles a little in the past so the first poll already finds history.
        let epoch = clock.now() - 100
        let inet = InetSimulator(
            jobs: InetSimulator.demoJobs(),
            credentials: .init(token: inetToken, username: inetUser, password: inetPassword),
            clock: clock, epoch: epoch,
            // The list order is undocumented: one definition lists its results newest first.
            newestFirstDefinitions: [InetSimulator.demoJobs()[1].id])
        let inetServer = try await VendorSimulator.start(vendor: "inet", host: host, port: basePort) { request in
            await inet.handle(request)
        }
        let veeam = VeeamM365Simulator(
            jobs: VeeamM365Simulator.demoJobs(),
            credentials: .init(username: veeamUser, password: veeamPassword),
            clock: clock, epoch: epoch,
            // The session order is undocumented: one job lists its sessions oldest first.
            oldestFirstJobIDs: [VeeamM365Simulator.demoJobs()[1].id],
            fixedJobs: VeeamM365Simulator.demoFixedJobs(now: clock.now()))
        let veeamServer = try await VendorSimulator.start(vendor: "veeam_m365", host: host, port: port(basePort, 1)) { request in
            await veeam.handle(request)
        }
        let unitrends = UnitrendsSimulator(
            assets: UnitrendsSimulator.demoAssets(),
            credentials: .init(username: unitrendsUser, password: unitrendsPassword),
            clock: clock, epoch: epoch, timeZone: TimeZone(identifier: unitrendsTimeZone) ?? .gmt)
        // The same server also plays an older appliance without `GET /api/jobs/active`, below
        // `legacyUnitrendsPath`.
        let legacyUnitrends = UnitrendsSimulator(
            assets: UnitrendsSimulator.demoLegacyAssets(),
            credentials: .init(username: unitrendsUser, password: unitrendsPassword),
            clock: clock, epoch: epoch, timeZone: TimeZone(identifier: unitrendsTimeZone) ?? .gmt, serveActiveJobs: false)
        let unitrendsServer = try await VendorSimulator.start(vendor: "unitrends", host: host, port: port(basePort, 2)) { request in
            if request.uri.hasPrefix(legacyUnitrendsPath + "/") {
                var below = request
                below.uri = String(request.uri.dropFirst(legacyUnitrendsPath.count))
                return await legacyUnitrends.handle(below)
            }
            return await unitrends.handle(request)
        }
        let commvault = CommvaultSimulator(
            subclients: CommvaultSimulator.demoSubclients(), username: commvaultUser, password: commvaultPassword,
            clock: clock, epoch: epoch)
        let commvaultServer = try await VendorSimulator.start(vendor: "commvault", host: host, port: port(basePort, 3)) { request in
            await commvault.handle(request)
        }
        let eclypse = EclypseSimulator(
            jobs: EclypseSimulator.demoJobs(), username: eclypseUser, password: eclypsePassword, clock: clock, epoch: epoch)
        let eclypseServer = try await VendorSimulator.start(vendor: "eclypse", host: host, port: port(basePort, 4)) { request in
            await eclypse.handle(request)
        }
        return SimulatorSuite(inet: inetServer, veeamM365: veeamServer, unitrends: unitrendsServer,
                              commvault: commvaultServer, eclypse: eclypseServer,
                              commvaultSessions: commvault.sessions, eclypseControls: eclypse.controls, clock: clock) { [sessions = commvault.sessions] in
            ["veeam access": veeam.issuedAccessTokens, "veeam refresh": veeam.issuedRefreshTokens,
             "unitrends": unitrends.issuedTokens, "commvault": sessions.issuedTokens]
        }
    }

    /// Port `offset` after `base`, or 0 (any free port) when `base` is 0.
    private static func port(_ base: Int, _ offset: Int) -> Int { base == 0 ? 0 : base + offset }

    public var all: [VendorSimulator] { [inet, veeamM365, unitrends, commvault, eclypse] }

    public func stop() async {
        for simulator in all { await simulator.stop() }
    }

    /// A daemon config that watches every simulated vendor, plus one target with a wrong
    /// password so the demo also shows a target that is down and why.
    /// - Parameters: `interval`, `timeout`, `jitter`: the `defaults:` block, so tests can poll
    ///   every vendor fast with the same targets the demo shows.
    public func demoConfig(tokenFile: String, interval: String = "5s", timeout: String = "3s", jitter: String = "20%") -> String {
        """
        # Written by `backup-exporter demo`: every target is a simulated vendor on loopback.
        defaults:
          interval: \(interval)
          timeout: \(timeout)
          jitter: \(jitter)
        targets:
          - name: inet-pdfc
            vendor: inet
            url: \(inet.baseURL)
            auth:
              token_file: \(tokenFile)
          - name: inet-cowork-basic
            vendor: inet
            url: \(inet.baseURL)
            auth:
              username: \(Self.inetUser)
              password_env: DEMO_INET_PASSWORD
            options:
              results_per_definition: 3
          - name: inet-wrong-password
            vendor: inet
            url: \(inet.baseURL)
            interval: 15s
            auth:
              username: \(Self.inetUser)
              password: not-the-password
          - name: m365-prod
            vendor: veeam_m365
            url: \(veeamM365.baseURL)
            auth:
              username: \(Self.veeamUser)
              password: \(Self.veeamPassword)
            options:
              api_version: v8
              sessions_per_job: 5
          - name: m365-legacy-v6
            vendor: veeam_m365
            url: \(veeamM365.baseURL)
            auth:
              username: \(Self.veeamUser)
              password: \(Self.veeamPassword)
            options:
              api_version: v6
          - name: unitrends-appliance
            vendor: unitrends
            url: \(unitrends.baseURL)
            timezone: \(Self.unitrendsTimeZone)
            auth:
              username: \(Self.unitrendsUser)
              password: \(Self.unitrendsPassword)
            options:
              history: 48h
              backups_per_job: 5
          - name: unitrends-no-active-jobs
            vendor: unitrends
            url: \(unitrends.baseURL)\(Self.legacyUnitrendsPath)
            timezone: \(Self.unitrendsTimeZone)
            auth:
              username: \(Self.unitrendsUser)
              password: \(Self.unitrendsPassword)
          - name: commvault-commserve
            vendor: commvault
            url: \(commvault.baseURL)/webconsole/api
            auth:
              username: \(Self.commvaultUser)
              password: \(Self.commvaultPassword)
          - name: commvault-xml
            vendor: commvault
            url: \(commvault.baseURL)/webconsole/api
            auth:
              username: \(Self.commvaultUser)
              password: \(Self.commvaultPassword)
            options:
              format: xml
              lookup_window: 1h
              errors_as_failed: true
          - name: eclypse-ahu
            vendor: eclypse
            url: \(eclypse.baseURL)
            auth:
              username: \(Self.eclypseUser)
              password: \(Self.eclypsePassword)
            jobs: [\(EclypseSimulator.demoJobs().map(\.id).joined(separator: ", "))]
            options:
              api: jobs
              names:
                \(EclypseSimulator.demoJobs()[0].id): AHU-1 nightly
          - name: eclypse-legacy-xml
            vendor: eclypse
            url: \(eclypse.baseURL)
            auth:
              username: \(Self.eclypseUser)
              password: \(Self.eclypsePassword)
            jobs: [\(EclypseSimulator.demoJobs()[1].id)]
            options:
              format: xml

        """
    }
}
