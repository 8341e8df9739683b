@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
@testable import Simulator
import Testing

/// Every fault switch of the Commvault and ECLYPSE simulators ends a poll with the right reason,
/// the other vendor's target keeps polling meanwhile, and the faulted one recovers.
@Suite("Commvault and ECLYPSE faults")
struct CommvaultEclypseFaultTests {
    typealias H = CommvaultEclypseHarness

    enum Kind: String, Sendable, CaseIterable { case commvault, eclypse }

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var name: String
        var fault: Fault
        /// nil: the poll survives the fault (one 401 is an expired session for Commvault).
        var commvault: PollError?
        var eclypse: PollError?
        var timeout = "5s"
        var maxResponseBytes: Int?
        var testDescription: String { name }
    }

    static let cv = "GET /Job"
    static let ec = "GET /api/rest/v1/system/backup/jobs/\(EclypseAdapterTests.nightly)"

    static let cases: [FaultCase] = [
        FaultCase(name: "HTTP 500", fault: .status(500), commvault: PollError(.http, "\(cv): HTTP 500"), eclypse: PollError(.http, "\(ec): HTTP 500")),
        FaultCase(name: "HTTP 503", fault: .status(503), commvault: PollError(.http, "\(cv): HTTP 503"), eclypse: PollError(.http, "\(ec): HTTP 503")),
        FaultCase(name: "HTTP 429", fault: .status(429), commvault: PollError(.http, "\(cv): HTTP 429"), eclypse: PollError(.http, "\(ec): HTTP 429")),
        // Commvault takes a 401 for an expired session: it logs in again, and that is refused too.
        FaultCase(name: "HTTP 401", fault: .status(401), commvault: PollError(.auth, "POST /Login: HTTP 401"), eclypse: PollError(.auth, "\(ec): HTTP 401")),
        FaultCase(name: "HTTP 403", fault: .status(403), commvault: PollError(.auth, "POST /Login: HTTP 403"), eclypse: PollError(.auth, "\(ec): HTTP 403")),
        FaultCase(name: "one 401", fault: .unauthorizedTimes(1), commvault: nil, eclypse: PollError(.auth, "\(ec): HTTP 401")),
        FaultCase(name: "malformed body", fault: .malformedBody, commvault: PollError(.decode, "\(cv): response is not valid JSON at byte 12: expected a value"),
                  eclypse: PollError(.decode, "\(ec): response is not valid JSON at byte 12: expected a value")),
        // A body shorter than its Content-Length is a decode failure, however NIO reports the EOF.
        FaultCase(name: "truncated body", fault: .truncatedBody,
                  commvault: PollError(.decode, "\(cv): connection closed before the body was complete"),
                  eclypse: PollError(.decode, "\(ec): connection closed before the body was complete")),
        FaultCase(name: "dropped connection", fault: .dropConnection,
                  commvault: PollError(.connect, "\(cv): connection closed before an answer"),
                  eclypse: PollError(.connect, "\(ec): connection closed before an answer")),
        FaultCase(name: "delay past a 1 s timeout", fault: .delay(3), commvault: PollError(.timeout, "\(cv): no answer within the timeout"),
                  eclypse: PollError(.timeout, "\(ec): no answer within the timeout"), timeout: "1s"),
        FaultCase(name: "hang past a 1 s timeout", fault: .hang, commvault: PollError(.timeout, "\(cv): no answer within the timeout"),
                  eclypse: PollError(.timeout, "\(ec): no answer within the timeout"), timeout: "1s"),
        FaultCase(name: "body over max_response_bytes", fault: .hugeBody(1_000_000),
                  commvault: PollError(.decode, "\(cv): response body larger than 65536 bytes"),
                  eclypse: PollError(.decode, "\(ec): response body larger than 65536 bytes"), maxResponseBytes: 65_536),
    ]

    @Test("a fault gives the expected reason, spares the other target, and the target recovers", arguments: cases, Kind.allCases)
    func fault(_ testCase: FaultCase, kind: Kind) async throws {
        try await CommvaultSimulation.run { commvault in
            try await EclypseAdapterTests.run { eclypse in
                try await withHTTPClient { client in
                    let commvaultAdapter = try H.adapter(try H.target(
                        vendor: .commvault, url: commvault.url, timeout: kind == .commvault ? testCase.timeout : "5s",
                        maxResponseBytes: kind == .commvault ? testCase.maxResponseBytes : nil), client: client)
                    let eclypseAdapter = try H.adapter(try H.target(
                        vendor: .eclypse, url: eclypse.server.baseURL, jobs: [EclypseAdapterTests.nightly],
                        timeout: kind == .eclypse ? testCase.timeout : "5s",
                        maxResponseBytes: kind == .eclypse ? testCase.maxResponseBytes : nil), client: client)
                    // Logged in and healthy before the fault.
                    _ = try await commvaultAdapter.poll()
                    _ = try await eclypseAdapter.poll()
                    let (faulted, healthy, expected) = kind == .commvault
                        ? (commvaultAdapter, eclypseAdapter, testCase.commvault)
                        : (eclypseAdapter, commvaultAdapter, testCase.eclypse)
                    (kind == .commvault ? commvault.faults : eclypse.server.faults).set(testCase.fault)
                    let error = await pollError(faulted)
                    #expect(error == expected)
                    H.expectNoSecrets(in: error?.message ?? "")
                    #expect(await pollError(healthy) == nil)
                    commvault.faults.set(nil)
                    eclypse.server.faults.set(nil)
                    #expect(await pollError(faulted) == nil)
                }
            }
        }
    }

    @Test("a malformed XML answer is a decode error too")
    func malformedXML() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "format: xml"), client: client)
                _ = try await adapter.poll()
                sim.faults.set(.malformedBody)
                #expect(await pollError(adapter) == PollError(.decode, "GET /Job: response is not well-formed XML (near line 1)"))
            }
        }
    }
}
