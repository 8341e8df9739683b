import Adapters
import AsyncHTTPClient
import BackupModel
import Simulator
import Testing

/// What every login-based vendor must do alike, against its simulator over a real socket:
/// renew or re-login once when a token is refused, never loop, keep secrets out of messages,
/// and give each fault its reason without disturbing another target.
@Suite("Login-based vendors: tokens, logins and faults")
struct SessionVendorTests {
    @Test("a token the server expires after N calls is renewed once per expiry and the polls succeed",
          arguments: SessionVendor.allCases)
    func expiryAfterCalls(vendor: SessionVendor) async throws {
        try await vendor.withSimulation { simulation in
            try await SessionVendorHarness.withAdapter(try vendor.target(simulation.url)) { adapter async throws in
                // The poll's last call meets the expired token.
                simulation.simulator.expireTokens(afterCalls: vendor.callsPerPoll - 1)
                #expect(try await adapter.poll().count == 2)
                #expect(simulation.simulator.logins == 2)
                #expect(simulation.simulator.rejectedTokens == 1)
                #expect(try await adapter.poll().count == 2)
                #expect(simulation.simulator.logins == 1 + simulation.simulator.rejectedTokens)
            }
        }
    }

    @Test("tokens revoked between polls cost one new login, and the target stays up", arguments: SessionVendor.allCases)
    func revoked(vendor: SessionVendor) async throws {
        try await vendor.withSimulation { simulation in
            try await SessionVendorHarness.withAdapter(try vendor.target(simulation.url)) { adapter async throws in
                _ = try await adapter.poll()
                simulation.simulator.revokeAllTokens()
                #expect(try await adapter.poll().count == 2)
                #expect(simulation.simulator.logins == 2)
                #expect(simulation.simulator.rejectedTokens == 1)
            }
        }
    }

    @Test("a token refused on every call gives auth after exactly one re-login per poll, not a loop",
          arguments: SessionVendor.allCases)
    func persistentRejection(vendor: SessionVendor) async throws {
        try await vendor.withSimulation { simulation in
            try await SessionVendorHarness.withAdapter(try vendor.target(simulation.url)) { adapter async throws in
                simulation.simulator.expireTokens(afterCalls: 0)
                #expect(await pollError(adapter) == PollError(.auth, "\(vendor.firstCall): HTTP 401"))
                #expect(await pollError(adapter) == PollError(.auth, "\(vendor.firstCall): HTTP 401"))
                #expect(simulation.simulator.logins == 2)
            }
        }
    }

    @Test("wrong credentials are auth, one login per poll, and the message holds no secret", arguments: SessionVendor.allCases)
    func wrongCredentials(vendor: SessionVendor) async throws {
        try await vendor.withSimulation { simulation in
            let wrong = "wrong-SECRET-77ab"
            try await SessionVendorHarness.withAdapter(try vendor.target(simulation.url, password: wrong)) { adapter in
                for _ in 0..<3 {
                    let error = await pollError(adapter)
                    #expect(error == vendor.refusedLogin)
                    #expect(error?.message.contains(wrong) == false)
                }
                #expect(simulation.simulator.refusedLogins == 3)
                #expect(simulation.simulator.calls.isEmpty)
            }
        }
    }

    @Test("every fault switch gives its reason, the target recovers, and another target is unaffected",
          arguments: SessionVendor.allCases, [
              (Fault.status(401), FailureReason.auth), (.status(403), .auth), (.status(429), .http), (.status(500), .http),
              (.status(503), .http), (.delay(3), .timeout), (.hang, .timeout), (.truncatedBody, .decode), (.malformedBody, .decode),
              (.dropConnection, .connect), (.hugeBody(200_000), .decode),
          ])
    func faults(vendor: SessionVendor, fault: (Fault, FailureReason)) async throws {
        let (fault, reason) = fault
        try await vendor.withSimulation { faulty in
            try await vendor.withSimulation { healthy in
                try await withHTTPClient { client in
                    let target = try vendor.target(faulty.url, timeout: "1s", extra: "max_response_bytes: 100000")
                    let adapter = try SessionVendorHarness.adapter(target, client: client)
                    let other = try SessionVendorHarness.adapter(try vendor.target(healthy.url), client: client)
                    _ = try await adapter.poll()
                    faulty.server.faults.set(fault)
                    async let otherJobs = other.poll()
                    let error = await pollError(adapter)
                    #expect(error?.reason == reason, "\(fault): \(String(describing: error))")
                    #expect(error?.message.contains(SessionVendorHarness.password) == false)
                    if case .malformedBody = fault {
                        #expect(error?.message.hasSuffix("response is not valid JSON at byte 12: expected a value") == true,
                                "\(String(describing: error))")
                    }
                    #expect(try await otherJobs.count == 2)
                    faulty.server.faults.set(nil)
                    #expect(try await adapter.poll().count == 2)
                }
            }
        }
    }
}
