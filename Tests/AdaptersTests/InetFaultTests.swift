@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
import Simulator
import Testing
import WebServer

/// Every way a server can misbehave ends in one `PollError` whose reason is the right label, and
/// whose message names the call but never a credential.
@Suite("i-net adapter failures")
struct InetFaultTests {
    struct FaultCase: Sendable, CustomTestStringConvertible {
        var name: String
        var fault: Fault
        var expected: PollError
        var timeout: Double = 5
        var maxResponseBytes = TargetConfiguration.defaultMaxResponseBytes
        var testDescription: String { name }
    }

    static let call = "GET /api/backup/definitions"

    static let cases: [FaultCase] = [
        FaultCase(name: "HTTP 500", fault: .status(500), expected: PollError(.http, "\(call): HTTP 500")),
        FaultCase(name: "HTTP 503", fault: .status(503), expected: PollError(.http, "\(call): HTTP 503")),
        FaultCase(name: "HTTP 429", fault: .status(429), expected: PollError(.http, "\(call): HTTP 429")),
        FaultCase(name: "HTTP 404", fault: .status(404), expected: PollError(.http, "\(call): HTTP 404")),
        FaultCase(name: "HTTP 401", fault: .status(401), expected: PollError(.auth, "\(call): HTTP 401")),
        FaultCase(name: "HTTP 403", fault: .status(403), expected: PollError(.auth, "\(call): HTTP 403")),
        FaultCase(name: "one 401", fault: .unauthorizedTimes(1), expected: PollError(.auth, "\(call): HTTP 401")),
        FaultCase(name: "malformed body", fault: .malformedBody, expected: PollError(.decode, "\(call): response is not valid JSON at byte 12: expected a value")),
        FaultCase(name: "truncated body", fault: .truncatedBody,
                  expected: PollError(.decode, "\(call): connection closed before the body was complete")),
        FaultCase(name: "dropped connection", fault: .dropConnection,
                  expected: PollError(.connect, "\(call): connection closed before an answer")),
        FaultCase(name: "hang past a 1 s timeout", fault: .hang, expected: PollError(.timeout, "\(call): no answer within the timeout"),
                  timeout: 1),
        FaultCase(name: "a body dripping past a 1 s timeout", fault: .slowDrip,
                  expected: PollError(.timeout, "\(call): the whole answer did not arrive within the timeout"), timeout: 1),
        FaultCase(name: "body over max_response_bytes", fault: .hugeBody(1_000_000),
                  expected: PollError(.decode, "\(call): response body larger than 65536 bytes"), maxResponseBytes: 64 * 1024),
    ]

    enum AuthKind: String, Sendable, CaseIterable {
        case token, basic
        var configuration: AuthConfiguration { self == .token ? AuthConfiguration(token: Secret(TestSecrets.token)) : TestTargets.basicAuth }
    }

    @Test("a misbehaving server gives the expected reason and message", arguments: cases, AuthKind.allCases)
    func fault(_ testCase: FaultCase, auth: AuthKind) async throws {
        try await InetSimulation.run { sim in
            try await withHTTPClient { client in
                sim.faults.set(testCase.fault)
                let target = TestTargets.target(url: sim.baseURL, auth: auth.configuration, timeout: testCase.timeout,
                                                maxResponseBytes: testCase.maxResponseBytes)
                let adapter = try TestTargets.adapter(target, client: client)
                let started = ContinuousClock.now
                let error = await pollError(adapter)
                let elapsed = ContinuousClock.now - started
                sim.faults.set(nil)
                #expect(error == testCase.expected)
                Self.expectNoSecrets(in: error)
                if testCase.fault == .hang || testCase.fault == .slowDrip {
                    // The deadline is what ended the call: not earlier, and not the server's eventual answer.
                    #expect(elapsed >= .milliseconds(900))
                    #expect(elapsed < .seconds(3))
                }
                // The same adapter recovers as soon as the server does.
                #expect(try await adapter.poll().count == 2)
            }
        }
    }

    @Test("a fault on a details call names that call's path without the result id's query")
    func faultOnDetails() async throws {
        // A server that lists fine but fails the details call.
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            switch request.path {
            case "/api/backup/definitions": return .json(#"[{"definitionid":"d1","name":"DS"}]"#)
            case "/api/backup/definitions/d1/results": return .json(#"["r1"]"#)
            default: return .json(#"{"error":"boom"}"#, status: .internalServerError)
            }
        }
        let error = try await withHTTPClient { client in
            await pollError(try TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:\(server.port)"), client: client))
        }
        await server.shutdown()
        #expect(error == PollError(.http, "GET /api/backup/definitions/d1/results/r1: HTTP 500"))
    }

    @Test("a list of the wrong shape is a decode error")
    func wrongShapes() async throws {
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            switch request.path {
            case "/api/backup/definitions": return .json(#"[{"definitionid":"d1"},{"name":"no id"}]"#)
            default: return .json("[]")
            }
        }
        let objectServer = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { _ in .json(#"{"definitions":[]}"#) }
        let resultServer = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            request.path == "/api/backup/definitions" ? .json(#"["d1"]"#) : .json(#"[{"name":"no id"}]"#)
        }
        let errors = try await withHTTPClient { client in
            [
                await pollError(try TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:\(server.port)"), client: client)),
                await pollError(try TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:\(objectServer.port)"), client: client)),
                await pollError(try TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:\(resultServer.port)"), client: client)),
            ]
        }
        await server.shutdown()
        await objectServer.shutdown()
        await resultServer.shutdown()
        #expect(errors == [
            PollError(.decode, "GET /api/backup/definitions: definition without an id"),
            PollError(.decode, "GET /api/backup/definitions: expected a list of definitions"),
            PollError(.decode, "GET /api/backup/definitions/d1/results: result without an id"),
        ])
    }

    /// The shared client does not retry connection establishment, so a refusal is reported at
    /// once as `connect`, not after the request's deadline as a timeout.
    @Test("a closed port is a connect failure, reported without waiting for the timeout", arguments: AuthKind.allCases)
    func connectionRefused(auth: AuthKind) async throws {
        // Bind a free port, then close it: nothing listens there afterwards.
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { _ in .notFound }
        let port = server.port
        await server.shutdown()
        let started = ContinuousClock.now
        let error = try await withHTTPClient { client in
            let target = TestTargets.target(url: "http://127.0.0.1:\(port)", auth: auth.configuration, timeout: 60)
            return await pollError(try TestTargets.adapter(target, client: client))
        }
        #expect(error?.reason == .connect)
        #expect(started.duration(to: .now) < .seconds(30))
        // The rest is NIO's description of the socket error, e.g. "Connection refused (errno: 111)".
        #expect(error?.message.hasPrefix("\(Self.call): cannot connect") == true)
        #expect(error?.message.contains("Connection refused") == true)
        Self.expectNoSecrets(in: error)
    }

    static func expectNoSecrets(in error: PollError?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else { return }
        for secret in TestSecrets.all() {
            #expect(!error.description.contains(secret), "\(error) contains a credential", sourceLocation: sourceLocation)
            #expect(!error.message.contains(secret), sourceLocation: sourceLocation)
        }
    }
}
