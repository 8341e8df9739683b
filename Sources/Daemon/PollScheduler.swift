import Adapters
import Dispatch
import Foundation
import Logging

/// Fires each target's polls from its own `DispatchSourceTimer`, at the configured interval, with
/// the first poll spread by jitter.
///
/// Invariants, all kept by doing every mutation on `queue`:
/// - a target never has two polls in flight: a tick that finds the previous poll still running
///   is skipped and logged (a slow vendor gets slower if we pile on);
/// - one slow or dead target never delays another: polls run as independent tasks and the timer
///   only starts them;
/// - `replace` keeps the timers (and adapters, with their sessions) of targets whose configuration
///   did not change, and cancels the in-flight polls of the ones it removes.
final class PollScheduler: @unchecked Sendable {
    typealias PollFunction = @Sendable (ScheduledTarget) async -> Void

    private final class Entry {
        let target: ScheduledTarget
        let timer: any DispatchSourceTimer
        var inFlight: Task<Void, Never>?
        var generation = 0

        init(target: ScheduledTarget, timer: any DispatchSourceTimer) {
            self.target = target
            self.timer = timer
        }
    }

    private let queue = DispatchQueue(label: "backup-exporter.scheduler")
    private var entries: [String: Entry] = [:]
    private let poll: PollFunction
    private let logger: Logger

    init(logger: Logger, poll: @escaping PollFunction) {
        self.logger = logger
        self.poll = poll
    }

    /// Makes the scheduled set equal to `targets`. Adapters of removed or changed targets get
    /// their `shutdown()` (a logout) once their poll in flight has unwound.
    func replace(with targets: [ScheduledTarget]) {
        let retired: [Entry] = queue.sync {
            let wanted = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var retired: [Entry] = []
            for (name, entry) in entries where wanted[name]?.configuration != entry.target.configuration {
                remove(entry)
                entries[name] = nil
                retired.append(entry)
            }
            for target in targets {
                if let kept = entries[target.name] {
                    kept.target.unmatchedEntries.reset()
                } else {
                    entries[target.name] = start(target)
                }
            }
            return retired
        }
        for entry in retired {
            let (task, adapter) = (entry.inFlight, entry.target.adapter)
            Task {
                await task?.value
                await adapter.shutdown()
            }
        }
    }

    /// Cancels every timer and every poll in flight, and waits (up to `timeout`) for the polls to
    /// unwind, so the state store is not written after shutdown begins.
    func stop(timeout: Double = 3) async {
        let (tasks, adapters): ([Task<Void, Never>], [any VendorAdapter]) = queue.sync {
            let tasks = entries.values.compactMap(\.inFlight)
            let adapters = entries.values.map(\.target.adapter)
            for entry in entries.values { remove(entry) }
            entries.removeAll()
            return (tasks, adapters)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for task in tasks { await task.value }
                for adapter in adapters { await adapter.shutdown() }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// True when the scheduler's queue runs a block within `timeout` seconds: the watchdog's proof
    /// that timers can still fire.
    func isResponsive(timeout: Double = 2) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = ResumeOnce(continuation)
            queue.async { once.resume(true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { once.resume(false) }
        }
    }

    /// Names of the targets currently scheduled (for tests and `/status`).
    var scheduledTargets: [String] { queue.sync { entries.keys.sorted() } }

    // MARK: on `queue`

    private func start(_ target: ScheduledTarget) -> Entry {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let entry = Entry(target: target, timer: timer)
        let interval = target.configuration.interval
        let firstDelay = Double.random(in: 0...max(0, target.configuration.jitter * interval))
        timer.schedule(
            deadline: .now() + firstDelay,
            repeating: .milliseconds(Int(interval * 1000)),
            leeway: .milliseconds(Int(min(1000, max(10, interval * 10)))))
        timer.setEventHandler { [weak self, weak entry] in
            guard let self, let entry else { return }
            self.tick(entry)
        }
        timer.resume()
        return entry
    }

    private func tick(_ entry: Entry) {
        guard entry.inFlight == nil else {
            logger.warning("previous poll still running, skipping this tick", metadata: ["target": "\(entry.target.name)"])
            return
        }
        entry.generation += 1
        let generation = entry.generation
        let target = entry.target
        let poll = self.poll
        entry.inFlight = Task { [weak self] in
            await poll(target)
            self?.finished(name: target.name, generation: generation)
        }
    }

    private func finished(name: String, generation: Int) {
        queue.async {
            guard let entry = self.entries[name], entry.generation == generation else { return }
            entry.inFlight = nil
        }
    }

    private func remove(_ entry: Entry) {
        entry.timer.setEventHandler {}
        entry.timer.cancel()
        entry.inFlight?.cancel()
    }
}

/// Resumes a continuation exactly once, whichever of two racing callbacks comes first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Bool, Never>?

    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }

    func resume(_ value: Bool) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}
