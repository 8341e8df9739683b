/// A job that runs on a fixed cycle: it waits, runs with progress rising linearly, finishes with
/// the next outcome of its list, rests, and starts a new run. Every cycle is a new run with its own
/// id, so the exporter sees runs start, progress and finish, and counts each once.
public struct ScriptedJob: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case succeeded, warning, failed, cancelled
    }

    public var id: String
    public var name: String
    public var waitSeconds: Double
    public var runSeconds: Double
    public var restSeconds: Double
    /// Outcomes used in turn, cycle after cycle.
    public var outcomes: [Outcome]
    /// Bytes written by a run that succeeded (warning writes half, failed none).
    public var sizeBytes: Double
    /// Shifts this job's cycle so jobs don't move in lock step.
    public var phaseOffset: Double

    public init(id: String, name: String, waitSeconds: Double = 5, runSeconds: Double = 30, restSeconds: Double = 10,
                outcomes: [Outcome] = [.succeeded], sizeBytes: Double = 1_073_741_824, phaseOffset: Double = 0) {
        self.id = id
        self.name = name
        self.waitSeconds = waitSeconds
        self.runSeconds = runSeconds
        self.restSeconds = restSeconds
        self.outcomes = outcomes.isEmpty ? [.succeeded] : outcomes
        self.sizeBytes = sizeBytes
        self.phaseOffset = phaseOffset
    }

    public var cycleSeconds: Double { waitSeconds + runSeconds + restSeconds }

    /// A run as the simulation knows it; vendor modules render it in their own words.
    public struct Run: Sendable, Equatable {
        public enum Phase: Sendable, Equatable { case waiting, running, finished(Outcome) }
        public var cycle: Int
        public var id: String
        public var phase: Phase
        /// 0...100 while running, based on elapsed run time.
        public var progress: Double
        public var created: Double
        public var started: Double?
        public var ended: Double?
        public var sizeBytes: Double
    }

    /// The run of cycle `cycle`, as it stands at `now` (cycles before `now` are finished).
    public func run(cycle: Int, now: Double, epoch: Double) -> Run {
        let created = epoch + phaseOffset + Double(cycle) * cycleSeconds
        let started = created + waitSeconds
        let ended = started + runSeconds
        let outcome = outcomes[cycle % outcomes.count]
        let phase: Run.Phase
        let progress: Double
        if now < started {
            phase = .waiting
            progress = 0
        } else if now < ended {
            phase = .running
            progress = runSeconds > 0 ? min(99, ((now - started) / runSeconds * 100).rounded(.down)) : 0
        } else {
            phase = .finished(outcome)
            progress = 100
        }
        let size: Double
        switch outcome {
        case .succeeded: size = sizeBytes
        case .warning: size = (sizeBytes / 2).rounded()
        case .failed, .cancelled: size = 0
        }
        return Run(
            cycle: cycle, id: "\(id)-run-\(cycle)", phase: phase, progress: progress, created: created,
            started: now >= started ? started : nil, ended: now >= ended ? ended : nil,
            sizeBytes: now >= ended ? size : (now >= started ? (size * progress / 100).rounded() : 0))
    }

    /// The newest `limit` runs at `now`, oldest first; empty before the first cycle begins.
    public func runs(now: Double, epoch: Double, limit: Int) -> [Run] {
        let elapsed = now - epoch - phaseOffset
        guard elapsed >= 0, cycleSeconds > 0 else { return [] }
        let current = Int((elapsed / cycleSeconds).rounded(.down))
        let first = max(0, current - limit + 1)
        return (first...current).map { run(cycle: $0, now: now, epoch: epoch) }
    }
}
