@testable import StateStore
import Testing

@Suite("A job's remembered run ids")
struct CountedRunIDsTests {
    @Test("once full, each new id replaces the oldest, which comes back with its time; the order stays oldest first")
    func replacesTheOldestOnceFull() {
        var ids = CountedRunIDs(limit: 3)
        #expect(ids.append("a", time: 1) == nil)
        #expect(ids.append("b", time: nil) == nil)
        #expect(ids.append("c", time: 3) == nil)
        #expect(ids.inOrder.map(\.id) == ["a", "b", "c"])

        let first = ids.append("d", time: 4)
        #expect(first?.id == "a" && first?.time == 1)
        let second = ids.append("e", time: 5)
        #expect(second?.id == "b" && second?.time == nil)
        #expect(ids.count == 3)
        #expect(ids.inOrder.map(\.id) == ["c", "d", "e"])
        #expect(ids.inOrder.map(\.time) == [3, 4, 5])
        #expect(!ids.contains("a") && !ids.contains("b"))
        #expect(ids.contains("c") && ids.contains("e"))

        // Round the buffer more than once.
        for index in 0..<7 { _ = ids.append("x\(index)", time: Double(10 + index)) }
        #expect(ids.inOrder.map(\.id) == ["x4", "x5", "x6"])
    }

    @Test("after a thousand runs it holds the newest 128, each older one replaced in the order it came")
    func staysAtItsLimit() {
        var ids = CountedRunIDs(limit: JobRecord.countedRunLimit)
        var replaced: [String] = []
        for index in 0..<1_000 {
            if let old = ids.append("run-\(index)", time: Double(index)) { replaced.append(old.id) }
        }
        #expect(ids.count == 128)
        #expect(replaced == (0..<872).map { "run-\($0)" })
        #expect(ids.inOrder.first?.id == "run-872" && ids.inOrder.last?.id == "run-999")
    }
}
