import Adapters
import BackupModel
import Dispatch
import ExporterConfig
import FoundationEssentials
import NIOConcurrencyHelpers
import Logging
import StateStore

/// One target's poll cycle, and the only owner of it: its `DispatchSourceTimer`, the deadline,
/// the adapter call, the `jobs:` filter, the store write and the events, in that order, in
/// `cycle()`. As node_exporter's `execute()` times, logs and reports one collector, this type does
/// one target.
///
/// Polls never overlap because of how ticks reach the poll, not because of a flag: the timer
/// only offers a tick to a stream that holds none (`bufferingNewest(0)`), and one task takes
/// ticks from it one at a time, polling in between. A tick that comes while a poll runs finds
/// nobody waiting and is dropped, which is logged: a slow vendor gets slower if we pile on.
///
/// `stop()` cancels the timer and the poll in flight; the adapter's `shutdown()` (a logout) runs
/// once the poll has unwound. A reload replaces a poller only when its target's configuration
/// changed, so unchanged targets keep their timer phase and their vendor session.
public final class TargetPoller: Sendable {
    let configuration: TargetConfiguration
    let adapter: any VendorAdapter
    let jobFilter: JobFilter
    private let store: StateStore
    private let events: EventLog
    private let logger: Logger
    private let ticks: AsyncStream<Void>
    private let tickSink: AsyncStream<Void>.Continuation
    private let state = LockedState()
    /// Run after every cycle (the daemon's `STATUS=` line).
    private let afterCycle: @Sendable () async -> Void

    var name: String { configuration.name }

    /// What one poll saw: the selected jobs or the error, and how long it took.
    public struct Outcome: Sendable {
        public var result: Result<[ObservedJob], PollError>
        public var duration: Double
    }

    init(configuration: TargetConfiguration, adapter: any VendorAdapter, store: StateStore, events: EventLog,
         logger: Logger, afterCycle: @escaping @Sendable () async -> Void = {}) {
        self.configuration = configuration
        self.adapter = adapter
        self.jobFilter = AdapterRegistry.jobFilter(for: configuration)
        self.store = store
        self.events = events
        self.logger = logger
        self.afterCycle = afterCycle
        (ticks, tickSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(0))
    }

    /// All pollers' timers fire on one queue: a handler only offers a tick, so they never wait.
    private static let timerQueue = DispatchQueue(label: "backup-exporter.poll-timers")

    // MARK: lifecycle

    /// Starts the timer (first tick after a random share of `jitter × interval`) and the task
    /// that polls on each tick.
    func start() {
        let interval = configuration.interval
        let firstDelay = Double.random(in: 0...max(0, configuration.jitter * interval))
        state.markTicked(at: Self.now())
        let (sink, state, logger, name) = (tickSink, state, logger, configuration.name)
        // Made here, not in init: a source released before it was ever resumed traps.
        let timer = DispatchSource.makeTimerSource(queue: Self.timerQueue)
        timer.setEventHandler {
            state.markTicked(at: Self.now())
            if case .dropped = sink.yield() {
                logger.warning("previous poll still running, skipping this tick", metadata: ["target": "\(name)"])
            }
        }
        timer.schedule(
            deadline: .now() + firstDelay,
            repeating: .milliseconds(Int(interval * 1000)),
            leeway: .milliseconds(Int(min(1000, max(10, interval * 10)))))
        timer.resume()
        let loop = Task { [self] in
            for await _ in ticks {
                await cycle()
            }
        }
        state.setRunning(timer: timer, loop: loop)
    }

    /// Cancels the timer and the poll in flight, waits for the poll to unwind, then lets the
    /// adapter log out. Safe to call more than once.
    func stop() async {
        let (timer, loop) = state.takeRunning()
        timer?.setEventHandler {}
        timer?.cancel()
        tickSink.finish()
        loop?.cancel()
        await loop?.value
        guard state.markShutDown() else { return }
        await adapter.shutdown()
    }

    /// The watchdog's question: did the timer tick recently enough? A timer that stopped
    /// firing (a wedged queue) stops the pings, and systemd restarts the daemon.
    func isTicking(now: Double = TargetPoller.now()) -> Bool {
        guard let last = state.lastTick else { return false }
        let allowed = configuration.interval * (1 + configuration.jitter) + 10
        return now - last <= allowed
    }

    /// A reload kept this poller: report `jobs:` entries that match nothing again.
    func configurationReapplied() {
        state.forgetUnmatched()
    }

    // MARK: the cycle

    /// One poll of this target, end to end: counted, polled under the deadline, filtered,
    /// recorded, and every change it caused logged as an event.
    @discardableResult
    func cycle() async -> Outcome? {
        await store.pollStarted(target: name)
        let outcome = await poll()
        // Cancelled by stop or reload: the outcome says nothing about the target.
        guard !Task.isCancelled else { return nil }
        let changes: [StateChange]
        switch outcome.result {
        case .success(let jobs):
            changes = await store.pollSucceeded(target: name, jobs: jobs, duration: outcome.duration)
            logger.debug("poll succeeded", metadata: ["target": "\(name)", "jobs": "\(jobs.count)"])
        case .failure(let error):
            changes = await store.pollFailed(target: name, error: error, duration: outcome.duration)
            logger.debug("poll failed", metadata: ["target": "\(name)", "reason": "\(error.reason.rawValue)", "error": "\(error.message)"])
        }
        for change in changes { events.record(change) }
        for change in await store.takeWriteHealthChanges() {
            switch change {
            case .failing(let message):
                logger.error("cannot write the state store", metadata: ["error": "\(message)"])
            case .resumed:
                logger.notice("state store writes resumed")
            }
        }
        await afterCycle()
        return outcome
    }

    /// The adapter's answer under the target's overall deadline, filtered to its `jobs:`: what
    /// `cycle()` records.
    ///
    /// The deadline is `max(interval, timeout)` on top of the per-request timeouts, so a vendor
    /// that makes the adapter issue many slow requests still cannot hold its target for ever.
    func poll() async -> Outcome {
        let started = ContinuousClock.now
        let deadline = max(configuration.timeout, configuration.interval)
        let adapter = self.adapter
        var result = await withTaskGroup(of: Result<[ObservedJob], PollError>?.self) { group in
            group.addTask {
                do throws(PollError) { return .success(try await adapter.poll()) } catch { return .failure(error) }
            }
            group.addTask {
                do { try await Task.sleep(for: .seconds(deadline)) } catch { return nil }
                return .failure(PollError(.timeout, "poll did not finish within \(Self.durationText(deadline))"))
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let result = next { return result }
            }
            return .failure(PollError(.timeout, "poll cancelled"))
        }
        if case .success(let jobs) = result {
            let (selected, unmatched) = jobFilter.apply(jobs)
            result = .success(selected)
            for entry in state.firstReports(of: unmatched) {
                logger.warning("jobs: entry matches no job of the target", metadata: ["target": "\(name)", "entry": "\(entry)"])
            }
        }
        let elapsed = started.duration(to: .now)
        return Outcome(
            result: result,
            duration: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    // MARK: poll-once

    /// `poll-once`: every target polled once, concurrently, by `cycle()` (into a throw-away state
    /// store) with no timer and no server, so what it prints is what the daemon would have
    /// recorded. For an operator checking credentials and filters. In the config's order.
    public static func pollOnce(loader: ConfigurationLoader, client: VendorHTTPClient, logger: Logger) async throws
        -> [(target: TargetConfiguration, outcome: Outcome)] {
        let (_, targets) = try loader.load(client: client, logger: logger)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-exporter-poll-once-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, build: BuildInfo(version: "poll-once", swiftVersion: ""))
        await store.configure(targets: targets.map { TargetIdentity(name: $0.configuration.name, vendor: $0.configuration.vendor) })
        let events = EventLog(logger: logger)
        let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask {
                    let poller = TargetPoller(configuration: target.configuration, adapter: target.adapter, store: store,
                                              events: events, logger: logger)
                    let outcome = await poller.cycle()
                    await poller.stop()
                    return (index, outcome ?? Outcome(result: .failure(PollError(.other, "poll cancelled")), duration: 0))
                }
            }
            var outcomes: [(Int, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        await store.close()
        return zip(targets, outcomes).map { ($0.configuration, $1) }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// "15s", "1.5s": a duration as the config writes it.
    private static func durationText(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
    }
}

/// The little mutable state a poller shares between its timer handler, its loop and its callers.
private final class LockedState: @unchecked Sendable {
    private let lock = NIOLock()
    private var tick: Double?
    private var timer: (any DispatchSourceTimer)?
    private var loop: Task<Void, Never>?
    private var shutDown = false
    private var reported: Set<String> = []

    var lastTick: Double? { lock.withLock { tick } }

    func markTicked(at time: Double) { lock.withLock { tick = time } }

    func setRunning(timer: any DispatchSourceTimer, loop: Task<Void, Never>) {
        lock.withLock { (self.timer, self.loop) = (timer, loop) }
    }

    func takeRunning() -> ((any DispatchSourceTimer)?, Task<Void, Never>?) {
        lock.withLock {
            defer { (timer, loop) = (nil, nil) }
            return (timer, loop)
        }
    }

    /// True the first time only.
    func markShutDown() -> Bool {
        lock.withLock {
            defer { shutDown = true }
            return !shutDown
        }
    }

    /// The entries not reported since the last reload.
    func firstReports(of entries: [String]) -> [String] {
        guard !entries.isEmpty else { return [] }
        return lock.withLock { entries.filter { reported.insert($0).inserted } }
    }

    func forgetUnmatched() { lock.withLock { reported.removeAll() } }
}
