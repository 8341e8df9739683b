import Adapters
import AsyncHTTPClient
import BackupModel
import Exposition
import ExporterConfig
import Foundation
import Logging
import StateStore
import Systemd
import WebServer

/// The running exporter: config, store, scheduler and HTTP server, and the transitions between
/// them (start, reload, stop). Lifecycle services call into it; nothing else holds these parts.
public actor Daemon {
    public let options: DaemonOptions
    public let store: StateStore
    private let loader: ConfigurationLoader
    private let client: HTTPClient
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let events: EventLog
    private var scheduler: PollScheduler?
    private var server: HTTPServer?
    private var configuration: ExporterConfiguration?
    private var lastStatusLine = ""
    private var lastStatusCheck: ContinuousClock.Instant?
    private let webAccess = WebAccess()
    private(set) public var isReady = false

    /// Opens the state store (which takes the directory's lock); throws when it cannot.
    public init(options: DaemonOptions, environment: [String: String], client: HTTPClient,
                notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) throws(StoreError) {
        self.options = options
        self.loader = ConfigurationLoader(path: options.configPath, environment: environment)
        self.client = client
        self.notifier = notifier
        self.logger = logger
        self.events = EventLog(logger: logger)
        self.store = try StateStore(directory: options.storagePath, build: options.build)
    }

    /// Loads the config, starts polling and the HTTP listener, then tells systemd we are ready.
    /// A broken config at start-up is fatal (there is no old one to keep).
    public func start() async throws {
        let web = try WebConfiguration.load(path: options.webConfigPath)
        let (configuration, targets) = try loader.load(client: client, logger: logger)
        applyWebConfiguration(web)
        self.configuration = configuration
        await store.configure(targets: configuration.targets.map { TargetIdentity(name: $0.name, vendor: $0.vendor, maxAge: $0.maxAge, jobMaxAge: $0.jobMaxAge) })
        await store.setConfigStatus(successful: true)
        let store = self.store
        let events = self.events
        let logger = self.logger
        let scheduler = PollScheduler(logger: logger) { [weak self] target in
            await Self.poll(target, store: store, events: events, logger: logger)
            await self?.updateStatusLine()
        }
        self.scheduler = scheduler
        scheduler.replace(with: targets)
        let endpoints = HTTPEndpoints(daemon: self, store: store, telemetryPath: options.telemetryPath)
        let address = options.listenAddress
        let webAccess = self.webAccess
        do {
            server = try await HTTPServer.start(.init(host: address.host, port: address.port, tls: webAccess.tls)) { request in
                await webAccess.respond(to: request) { await endpoints.respond(to: $0) }
            }
        } catch {
            await scheduler.stop(timeout: 0)
            throw DaemonError.listen(address: address.description, underlying: "\(error)")
        }
        isReady = true
        events.configReloaded(targets: configuration.targets.count)
        logger.info("listening", metadata: ["address": "\(address.host):\(server?.port ?? address.port)"])
        lastStatusLine = await statusLine()
        notifier.ready(status: lastStatusLine)
    }

    /// The port the HTTP server is bound to (differs from the option when it asked for port 0).
    public var boundPort: Int? { server?.port }

    /// SIGHUP and `POST /-/reload`: a valid new config replaces the old one; a broken one is
    /// logged and the old one keeps running. Either way systemd hears RELOADING=1 then READY=1.
    @discardableResult
    public func reload() async -> Result<Int, ConfigError> {
        notifier.reloading()
        defer { notifier.ready(status: lastStatusLine) }
        do {
            // Both files are checked before either is applied: a reload is all or nothing.
            let web = try WebConfiguration.load(path: options.webConfigPath)
            let (configuration, targets) = try loader.load(client: client, logger: logger)
            applyWebConfiguration(web)
            self.configuration = configuration
            await store.configure(targets: configuration.targets.map { TargetIdentity(name: $0.name, vendor: $0.vendor, maxAge: $0.maxAge, jobMaxAge: $0.jobMaxAge) })
            scheduler?.replace(with: targets)
            await store.setConfigStatus(successful: true)
            events.configReloaded(targets: configuration.targets.count)
            await updateStatusLine(force: true)
            return .success(configuration.targets.count)
        } catch {
            await store.setConfigStatus(successful: false)
            events.configRejected(error.description)
            return .failure(error)
        }
    }

    private func applyWebConfiguration(_ web: WebConfiguration) {
        webAccess.apply(web)
        for warning in web.warnings { logger.log(warning) }
    }

    /// SIGTERM/SIGINT: STOPPING=1, cancel polls in flight, stop listening, flush the store.
    public func stop() async {
        notifier.stopping()
        isReady = false
        await scheduler?.stop(timeout: options.shutdownGrace)
        scheduler = nil
        await server?.shutdown()
        server = nil
        await store.close()
        logger.info("stopped")
    }

    /// The watchdog's question: can timers still fire and can the server still answer?
    public func isHealthy() async -> Bool {
        guard let scheduler, let server else { return false }
        async let schedulerOK = scheduler.isResponsive()
        async let serverOK = server.isResponsive()
        let (a, b) = await (schedulerOK, serverOK)
        return a && b
    }

    /// Target names and their configuration as `/status` shows them (no secrets).
    var configuredTargets: [TargetConfiguration] { configuration?.targets ?? [] }

    // MARK: polling

    /// One poll of one target, end to end: counts it, runs the adapter under a deadline, filters
    /// jobs, records the outcome and logs every state change it caused.
    static func poll(_ target: ScheduledTarget, store: StateStore, events: EventLog, logger: Logger) async {
        let configuration = target.configuration
        await store.pollStarted(target: configuration.name)
        let (result, duration) = await target.pollOnce()
        // Cancelled by stop or reload: the outcome says nothing about the target.
        guard !Task.isCancelled else { return }
        let changes: [StateChange]
        switch result {
        case .success(let jobs):
            changes = await store.pollSucceeded(target: configuration.name, jobs: jobs, duration: duration)
            logger.debug("poll succeeded", metadata: ["target": "\(configuration.name)", "jobs": "\(jobs.count)"])
        case .failure(let error):
            changes = await store.pollFailed(target: configuration.name, error: error, duration: duration)
            logger.debug("poll failed", metadata: ["target": "\(configuration.name)", "reason": "\(error.reason.rawValue)", "error": "\(error.message)"])
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
    }

    // MARK: STATUS=

    /// Sends `STATUS=` when the summary changed. The summary walks every job, so after a poll it
    /// is recomputed at most once a second rather than after every poll of every target; a change
    /// shows with the next poll after that second.
    private func updateStatusLine(force: Bool = false) async {
        let now = ContinuousClock.now
        if !force, let last = lastStatusCheck, last.duration(to: now) < .seconds(1) { return }
        lastStatusCheck = now
        let line = await statusLine()
        guard line != lastStatusLine else { return }
        lastStatusLine = line
        notifier.status(line)
    }

    /// "3/4 targets up, 12 jobs (2 running, 1 failed)": what `systemctl status` shows.
    private func statusLine() async -> String {
        let snapshot = await store.snapshot()
        let up = snapshot.targets.filter(\.health.up).count
        var jobs = 0, running = 0, failed = 0
        for target in snapshot.targets {
            for job in target.jobs {
                jobs += 1
                switch job.lastRun?.state {
                case .running: running += 1
                case .failed: failed += 1
                default: break
                }
            }
        }
        return "\(up)/\(snapshot.targets.count) targets up, \(jobs) jobs (\(running) running, \(failed) failed)"
    }
}

/// Start-up failures other than config and store errors.
public enum DaemonError: Error, CustomStringConvertible {
    case listen(address: String, underlying: String)

    public var description: String {
        switch self {
        case .listen(let address, let underlying): "cannot listen on \(address): \(underlying)"
        }
    }
}
