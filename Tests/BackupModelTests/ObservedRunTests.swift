import BackupModel
import Testing

@Suite("The normalised run")
struct ObservedRunTests {
    @Test("a finished successful run reads 100 % whatever the vendor said", arguments: [JobState.succeeded, .warning])
    func finishedSuccessReadsFull(state: JobState) {
        #expect(ObservedRun(id: "r", state: state, progressPercent: 40).normalisedProgress == 100)
        #expect(ObservedRun(id: "r", state: state).normalisedProgress == 100)
    }

    @Test("progress outside 0...100 is clamped, NaN is dropped")
    func progressIsClamped() {
        #expect(ObservedRun(id: "r", state: .running, progressPercent: 140).normalisedProgress == 100)
        #expect(ObservedRun(id: "r", state: .running, progressPercent: -3).normalisedProgress == 0)
        #expect(ObservedRun(id: "r", state: .running, progressPercent: .nan).normalisedProgress == nil)
        #expect(ObservedRun(id: "r", state: .running).normalisedProgress == nil)
        #expect(ObservedRun(id: "r", state: .failed, progressPercent: 37.5).normalisedProgress == 37.5)
    }

    @Test("duration: the vendor's figure first, else end minus start, else elapsed while running")
    func durationRules() {
        #expect(ObservedRun(id: "r", state: .succeeded, startTime: 100, endTime: 160, durationSeconds: 55).duration(now: 1000) == 55)
        #expect(ObservedRun(id: "r", state: .failed, startTime: 100, endTime: 160).duration(now: 1000) == 60)
        #expect(ObservedRun(id: "r", state: .running, startTime: 100).duration(now: 130) == 30)
        #expect(ObservedRun(id: "r", state: .running, startTime: 100, endTime: 110).duration(now: 130) == 30)
        #expect(ObservedRun(id: "r", state: .succeeded, startTime: 100).duration(now: 130) == nil)
        #expect(ObservedRun(id: "r", state: .waiting).duration(now: 130) == nil)
        #expect(ObservedRun(id: "r", state: .waiting, startTime: 100).duration(now: 130) == nil)
    }

    @Test("only finished states have a result, and only succeeded and warning protect data")
    func resultsOfStates() {
        #expect(JobState.allCases.compactMap(\.result) == [.succeeded, .warning, .failed, .cancelled])
        #expect(RunResult.allCases.filter(\.protectedData) == [.succeeded, .warning])
        #expect(JobState.unknown.isFinished == false)
    }
}
