@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Foundation
import Logging
import Simulator
import WebServer

/// Secrets the tests use: distinctive enough that finding one inside an error message can only
/// mean it leaked there.
enum TestSecrets {
    static let token = "tok-SECRET-7f3a9c"
    static let username = "monitor"
    static let password = "pw-SECRET-41d2e8"
    /// What the Basic header carries on the wire: a leak of it is a leak of the password.
    static let basicCredential = Data("\(username):\(password)".utf8).base64EncodedString()

    static func all() -> [String] { [token, password, basicCredential] }
}

/// Builds targets and adapters the way the daemon does: through `AdapterRegistry`.
enum TestTargets {
    static func target(
        url: String, auth: AuthConfiguration = AuthConfiguration(token: Secret(TestSecrets.token)),
        timeout: Double = 5, maxResponseBytes: Int = TargetConfiguration.defaultMaxResponseBytes,
        options: InetOptions = InetOptions()
    ) -> TargetConfiguration {
        TargetConfiguration(name: "inet-test", vendor: .inet, url: url, auth: auth, timeout: timeout,
                            maxResponseBytes: maxResponseBytes, options: .inet(options))
    }

    static let basicAuth = AuthConfiguration(username: TestSecrets.username, password: Secret(TestSecrets.password))

    /// `options:` exactly as the config loader decodes them (and refuses them, with real key
    /// paths and lines). `optionsYAML` is the indented body of the `options:` mapping.
    static func options(_ optionsYAML: String) throws -> InetOptions {
        let yaml = """
        targets:
          - name: inet-test
            vendor: inet
            url: http://127.0.0.1:1
            options:
        \(optionsYAML.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))

        """
        let configuration = try ConfigLoader.parse(yaml: yaml, path: "/etc/backup-exporter/config.yaml", environment: [:])
        guard case .inet(let options) = configuration.targets[0].options else { return InetOptions() }
        return options
    }

    static func adapter(_ target: TargetConfiguration, client: VendorHTTPClient) throws -> any VendorAdapter {
        try AdapterRegistry.makeAdapter(for: target, client: client, logger: Logger(label: "adapters-tests"))
    }
}

/// Runs `body` with a fresh `VendorHTTPClient` and always shuts it down, also when `body` throws or an
/// expectation fails, so no test leaks connections into the next.
func withHTTPClient<Result: Sendable>(_ body: (VendorHTTPClient) async throws -> Result) async throws -> Result {
    let client = VendorHTTPClient()
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Polls once and returns the `PollError`, or nil when the poll succeeded.
func pollError(_ adapter: any VendorAdapter) async -> PollError? {
    do {
        _ = try await adapter.poll()
        return nil
    } catch {
        return error
    }
}

/// Starts a simulated vendor server answering through `handler`, runs `body` with it, and stops
/// the server afterwards, also when `body` throws.
func withVendorSimulator<Result: Sendable>(
    vendor: String, handler: @escaping HTTPHandler, _ body: (VendorSimulator) async throws -> Result
) async throws -> Result {
    let server = try await VendorSimulator.start(vendor: vendor, handler: handler)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A simulator behind its server, with the manual clock it runs on.
struct SimulatorFixture<Simulator: Sendable>: Sendable {
    var simulator: Simulator
    var server: VendorSimulator
    var clock: SimulatorClock
    var url: String { server.baseURL }
}
