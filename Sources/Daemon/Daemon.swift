import Adapters
import BackupModel
import Exposition
import ExporterConfig
import FoundationEssentials
import Logging
import NIOPosix
import StateStore
import Systemd
import WebServer

/// The running exporter: config, store, one `TargetPoller` per target and the HTTP server, and the
/// transitions between them (start, reload, stop). Lifecycle services call into it; nothing else
/// holds these parts. `DaemonMain` builds it.
public actor Daemon {
    public let options: DaemonOptions
    public let store: StateStore
    private let loader: ConfigurationLoader
    private let client: VendorHTTPClient
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let events: EventLog
    private var pollers: [String: TargetPoller] = [:]
    /// One per listening socket: the `--web.listen-address`, or each socket systemd passed.
    private var servers: [HTTPServer] = []
    /// The servers' own thread: the vendor HTTP client and the pollers never run on it, so a
    /// scrape is not queued behind poll I/O. Made at start, shut down at stop.
    private var serverLoop: MultiThreadedEventLoopGroup?
    private var configuration: ExporterConfiguration?
    private var lastStatusLine = ""
    private var lastStatusCheck: ContinuousClock.Instant?
    private let webAccess: WebAccess
    private(set) public var isReady = false

    /// The parts are built by `DaemonMain.run` (or a test); the daemon owns them from here on.
    public init(options: DaemonOptions, environment: [String: String], store: StateStore, client: VendorHTTPClient,
                notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.options = options
        self.loader = ConfigurationLoader(path: options.configPath, environment: environment)
        self.store = store
        self.client = client
        self.notifier = notifier
        self.logger = logger
        self.events = EventLog(logger: logger)
        self.webAccess = WebAccess { [logger] result in
            switch result {
            case .success:
                logger.info("web TLS certificate files changed; new connections use them")
            case .failure(let error):
                logger.warning("web TLS certificate files changed but do not load; the previous ones stay in use",
                               metadata: ["error": "\(error.description)"])
            }
        }
    }

    /// Loads the config, starts polling and the HTTP listener, then tells systemd we are ready.
    /// A broken config at start-up is fatal (there is no old one to keep).
    public func start() async throws {
        let configuration = try await loadAndApplyConfiguration()
        let endpoints = HTTPEndpoints(daemon: self, store: store, telemetryPath: options.telemetryPath,
                                      pageCache: MetricsPageCache(plainBudget: options.plainPageBudget))
        let webAccess = self.webAccess
        let budget: FileDescriptorBudget
        do {
            budget = try FileDescriptorBudget.plan(targets: configuration.targets.count,
                                                   requestedConnections: options.connectionLimits.maxConnections)
        } catch {
            await stopPollers(grace: 0)
            throw error
        }
        let budgetMetadata: Logger.Metadata = [
            "soft_limit": "\(budget.softLimit)", "poll_reserve": "\(budget.pollReserve)",
            "max_connections": "\(budget.connections)", "requested": "\(budget.requestedConnections)",
        ]
        if budget.isLowered {
            logger.warning("connection cap lowered to fit the open file limit", metadata: budgetMetadata)
        } else {
            logger.info("file descriptor budget", metadata: budgetMetadata)
        }
        var limits = options.connectionLimits
        limits.maxConnections = budget.connections
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            for binding in try listenerConfigurations(limits: limits) {
                servers.append(try await HTTPServer.start(binding, group: loop) { request in
                    await webAccess.respond(to: request) { await endpoints.respond(to: $0) }
                })
            }
        } catch {
            for server in servers { await server.shutdown() }
            servers = []
            await stopPollers(grace: 0)
            try? await loop.shutdownGracefully()
            throw error as? DaemonError ?? .listen(address: options.listenAddress.description, underlying: "\(error)")
        }
        serverLoop = loop
        isReady = true
        events.configReloaded(targets: configuration.targets.count)
        for server in servers {
            logger.info("listening", metadata: [
                "address": "\(server.host):\(server.port)", "systemd_socket": "\(options.systemdSocket)",
            ])
        }
        lastStatusLine = await statusLine()
        notifier.ready(status: lastStatusLine)
        releaseMappedFilePages(after: "start")
    }

    /// Start-up and a reload run code that steady state never runs again; its pages go back to
    /// the kernel (see `MappedFilePages`).
    private func releaseMappedFilePages(after phase: String) {
        guard let release = MappedFilePages.release() else { return }
        logger.info("mapped file pages given back", metadata: [
            "after": "\(phase)", "resident_bytes_before": "\(release.residentBefore)",
            "resident_bytes_after": "\(release.residentAfter)", "advised_bytes": "\(release.advisedBytes)",
        ])
    }

    /// The port the HTTP server is bound to (differs from the option when it asked for port 0).
    public var boundPort: Int? { servers.first?.port }

    /// What to listen on: the sockets systemd passed with `--web.systemd-socket` (each served
    /// alike), else `--web.listen-address`.
    private func listenerConfigurations(limits: ConnectionLimits) throws -> [HTTPServer.Configuration] {
        let tls = webAccess.tls
        guard options.systemdSocket else {
            return [.init(host: options.listenAddress.host, port: options.listenAddress.port, tls: tls, limits: limits)]
        }
        switch SystemdListenSockets.take() {
        case .success(let sockets):
            // Several sockets share one cap: each gets its part.
            var shared = limits
            shared.maxConnections = max(1, limits.maxConnections / sockets.count)
            return sockets.map { .init(host: "fd \($0)", port: 0, tls: tls, limits: shared, listeningSocket: $0) }
        case .failure(let failure):
            throw DaemonError.listen(address: "systemd socket", underlying: failure.description)
        }
    }

    /// SIGHUP and `POST /-/reload`: a valid new config replaces the old one; a broken one is
    /// logged and the old one keeps running. Either way systemd hears RELOADING=1 then READY=1.
    @discardableResult
    public func reload() async -> Result<Int, ConfigError> {
        notifier.reloading()
        defer { notifier.ready(status: lastStatusLine) }
        do {
            let configuration = try await loadAndApplyConfiguration()
            events.configReloaded(targets: configuration.targets.count)
            await updateStatusLine(force: true)
            releaseMappedFilePages(after: "reload")
            return .success(configuration.targets.count)
        } catch {
            await store.setConfigStatus(successful: false)
            events.configRejected(error.description)
            return .failure(error)
        }
    }

    /// Start-up and reload alike: both files are checked before either is applied, so a load is
    /// all or nothing; then the web access, the store's targets and the pollers follow them.
    private func loadAndApplyConfiguration() async throws(ConfigError) -> ExporterConfiguration {
        let web = try WebConfiguration.load(path: options.webConfigPath)
        let (configuration, targets) = try loader.load(client: client, logger: logger)
        webAccess.apply(web)
        if let path = web.path { logger.info("web config loaded", metadata: ["file": "\(path)", "summary": "\(web.summary)"]) }
        for warning in web.warnings { logger.log(warning) }
        self.configuration = configuration
        await applyTargets(targets)
        await store.setConfigStatus(successful: true)
        return configuration
    }

    /// SIGTERM/SIGINT: STOPPING=1, cancel polls in flight, stop listening, flush the store.
    public func stop() async {
        notifier.stopping()
        isReady = false
        await stopPollers(grace: options.shutdownGrace)
        for server in servers { await server.shutdown() }
        servers = []
        try? await serverLoop?.shutdownGracefully()
        serverLoop = nil
        await store.close()
        logger.info("stopped")
    }

    /// The watchdog's question: does every target's timer still tick, and can the server still
    /// answer?
    public func isHealthy() async -> Bool {
        guard !servers.isEmpty else { return false }
        let now = TargetPoller.now()
        guard pollers.values.allSatisfy({ $0.isTicking(now: now) }) else { return false }
        for server in servers where !(await server.isResponsive()) { return false }
        return true
    }

    /// Target names and their configuration as `/status` shows them (no secrets).
    var configuredTargets: [TargetConfiguration] { configuration?.targets ?? [] }

    // MARK: pollers

    /// Makes the store and the pollers follow this instance's share of `targets`: the targets
    /// another shard owns are neither polled, nor exported, nor stored here.
    private func applyTargets(_ targets: [ConfigurationLoader.Target]) async {
        let shard = options.shard
        let owned = targets.filter { shard.owns($0.configuration.name) }
        await store.configure(targets: owned.map(\.configuration).map {
            TargetIdentity(name: $0.name, vendor: $0.vendor, maxAge: $0.maxAge, jobMaxAge: $0.jobMaxAge)
        })
        await store.setShard(ShardStatus(
            index: shard.index, count: shard.count, ownedTargets: owned.count, otherTargets: targets.count - owned.count))
        if shard.count > 1 {
            logger.info("shard \(shard.index) of \(shard.count) owns \(owned.count) of \(targets.count) targets",
                        metadata: ["shard_index": "\(shard.index)", "shard_count": "\(shard.count)"])
        }
        replacePollers(with: owned)
    }

    /// Makes the running pollers match `targets`: a target whose configuration changed, or that
    /// is gone, has its poller stopped (in the background, so a slow logout never holds up a
    /// reload); a new or changed one gets a new poller; an unchanged one keeps its timer and its
    /// vendor session.
    private func replacePollers(with targets: [ConfigurationLoader.Target]) {
        let wanted = Dictionary(targets.map { ($0.configuration.name, $0.configuration) }, uniquingKeysWith: { first, _ in first })
        var retired: [TargetPoller] = []
        for (name, poller) in pollers where wanted[name] != poller.configuration {
            retired.append(poller)
            pollers[name] = nil
        }
        for target in targets {
            if let kept = pollers[target.configuration.name] {
                kept.configurationReapplied()
                continue
            }
            let poller = TargetPoller(
                configuration: target.configuration, adapter: target.adapter, store: store, events: events, logger: logger,
                afterCycle: { [weak self] in await self?.updateStatusLine() })
            pollers[target.configuration.name] = poller
            poller.start()
        }
        for poller in retired {
            Task { await poller.stop() }
        }
    }

    /// Stops every poller and waits up to `grace` seconds for their polls to unwind and their
    /// adapters to log out, so the store is not written after shutdown begins.
    private func stopPollers(grace: Double) async {
        let stopping = Array(pollers.values)
        pollers.removeAll()
        let stops = Task {
            await withTaskGroup(of: Void.self) { group in
                for poller in stopping { group.addTask { await poller.stop() } }
            }
        }
        await Self.wait(for: stops, atMost: grace)
    }

    /// Returns when `task` ends or `seconds` pass, whichever is first (at once if the caller is
    /// cancelled). A task group would not do: its scope waits for every child, the slow logout
    /// included. A stream that either side finishes ends with the first.
    static func wait(for task: Task<Void, Never>, atMost seconds: Double) async {
        let (ended, end) = AsyncStream.makeStream(of: Never.self)
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            end.finish()
        }
        Task {
            await task.value
            end.finish()
        }
        for await _ in ended {}
        timer.cancel()
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
    /// The soft open-file limit leaves fewer than `minimum` descriptors for scrapers once the polls'
    /// reserve is set aside (`FileDescriptorBudget`).
    case fileLimit(soft: Int, pollReserve: Int, minimum: Int)

    public var description: String {
        switch self {
        case .listen(let address, let underlying): "cannot listen on \(address): \(underlying)"
        case .fileLimit(let soft, let reserve, let minimum):
            "the open file limit (\(soft)) leaves \(max(0, soft - reserve)) descriptors for HTTP connections after the \(reserve) kept for polls; at least \(minimum) are needed: raise LimitNOFILE"
        }
    }
}
