import Daemon
import Testing

/// How the soft open-file limit is shared: connections + poll reserve ≤ soft limit, with the
/// reserve = open at start + 2 × targets + 64.
@Suite("File descriptor budget")
struct FileDescriptorBudgetTests {
    @Test("under systemd's default soft limit the default cap fits beside the polls' reserve")
    func defaultCapFits() throws {
        let budget = try FileDescriptorBudget.plan(softLimit: 1024, openAtStart: 40, targets: 50, requestedConnections: 512)
        #expect(budget.pollReserve == 40 + 100 + 64)
        #expect(budget.connections == 512)
        #expect(!budget.isLowered)
    }

    @Test("a cap the limit has no room for is lowered to what is left after the reserve")
    func capLowered() throws {
        let budget = try FileDescriptorBudget.plan(softLimit: 600, openAtStart: 40, targets: 100, requestedConnections: 512)
        #expect(budget.pollReserve == 304)
        #expect(budget.connections == 296)
        #expect(budget.isLowered)
        #expect(budget.connections + budget.pollReserve == 600)
    }

    @Test("a limit that leaves fewer than 16 connections refuses the start, naming the numbers")
    func tooSmallRefused() {
        #expect(throws: DaemonError.self) {
            try FileDescriptorBudget.plan(softLimit: 200, openAtStart: 40, targets: 41, requestedConnections: 512)
        }
        do {
            _ = try FileDescriptorBudget.plan(softLimit: 200, openAtStart: 40, targets: 41, requestedConnections: 512)
        } catch {
            #expect(error.description == "the open file limit (200) leaves 14 descriptors for HTTP connections after the 186 kept for polls; at least 16 are needed: raise LimitNOFILE")
        }
    }
}
