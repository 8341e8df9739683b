// swift-tools-version:6.1
import PackageDescription

/// One module per concern. The dependency graph is deliberately shallow: the model knows nothing,
/// the store and exposition know only the model, the config knows the model and the web server's
/// TLS terms (the web config file is read straight into them), and the daemon wires everything together.
let package = Package(
    name: "backup-exporter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backup-exporter", targets: ["backup-exporter"]),
        .executable(name: "backup-simulator", targets: ["backup-simulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // Normalised vocabulary shared by every module: targets, jobs, runs, states, reasons.
        .target(name: "BackupModel"),

        // C libraries from Debian: libsystemd-dev and libsqlite3-dev.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // libxcrypt from libcrypt-dev: bcrypt verification for the web config's basic_auth_users.
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // OpenSSL's libcrypto from libssl-dev: the HMAC that keys basic auth's outcome cache.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // zlib from zlib1g-dev: gzip for /metrics (Accept-Encoding: gzip).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libyaml from libyaml-dev: the config's YAML parser.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // libxml2 from libxml2-dev: the vendors' XML answers.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // glibc's allocator tuning (mallopt): part of libc6-dev, no pkg-config.
        .systemLibrary(name: "CMalloc"),

        // sd_notify, the watchdog and the journald log handler.
        .target(name: "Systemd", dependencies: [
            "BackupModel", "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The actor that holds every target's health and every job's last run, persisted in SQLite.
        .target(name: "StateStore", dependencies: ["BackupModel", "CSQLite"]),

        // Prometheus text format 0.0.4 and OpenMetrics 1.0 rendering of a store snapshot.
        .target(name: "Exposition", dependencies: [
            "BackupModel", "CZlib",
            // ByteBuffer: the page's fragments are kept as the buffers the server writes.
            .product(name: "NIOCore", package: "swift-nio"),
        ]),

        // The YAML config: strict keys, file:line errors, secrets, durations.
        .target(name: "ExporterConfig", dependencies: [
            "BackupModel", "WebServer", "CYAML",
        ]),

        // The daemon's small HTTP/1.1 server on SwiftNIO, with TLS and basic auth; the request,
        // response and HTTP/1 pipeline types the simulator's server uses too.
        .target(name: "WebServer", dependencies: [
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            "CCrypt", "CLibCrypto",
        ]),

        // The vendor adapters: one protocol, one folder per vendor, one registry table.
        .target(name: "Adapters", dependencies: [
            "BackupModel",
            "ExporterConfig",
            "CLibXML2",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Simulated vendor servers that speak each vendor's HTTP API, for tests and the demo, on a
        // server of their own that can misbehave on the wire (resets, drips, cut bodies).
        .target(name: "Simulator", dependencies: [
            "WebServer",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Scheduler, HTTP endpoints, reload and lifecycle: the daemon itself.
        .target(name: "Daemon", dependencies: [
            "BackupModel", "StateStore", "Exposition", "ExporterConfig", "Adapters", "Systemd", "WebServer", "CMalloc",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),

        .executableTarget(name: "backup-exporter", dependencies: [
            "Daemon", "Adapters", "ExporterConfig", "Systemd", "WebServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "backup-simulator", dependencies: [
            "Simulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers several test targets share: a notify/journal socket, temp directories, processes.
        .target(name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport"),
        // Writes to a store until SIGKILLed, for StateStoreTests' crash test; not a product.
        .executableTarget(name: "state-store-crash-writer", dependencies: ["StateStore", "BackupModel"],
                          path: "Tests/StateStoreCrashWriter"),

        .testTarget(name: "BackupModelTests", dependencies: ["BackupModel", "TestSupport"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore", "BackupModel", "CSQLite", "TestSupport"]),
        .testTarget(name: "ExpositionTests", dependencies: [
            "Exposition", "BackupModel", "TestSupport", "CZlib", .product(name: "NIOCore", package: "swift-nio"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "ExporterConfigTests", dependencies: ["ExporterConfig", "BackupModel", "TestSupport"]),
        .testTarget(name: "AdaptersTests", dependencies: [
            "Adapters", "Simulator", "BackupModel", "ExporterConfig", "StateStore", "CSQLite", "Exposition", "WebServer", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ],
                    resources: [.copy("Golden")]),
        .testTarget(name: "DaemonTests", dependencies: [
            "Daemon", "Adapters", "Simulator", "BackupModel", "ExporterConfig", "StateStore", "Systemd", "TestSupport", "Exposition",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            "WebServer",
        ], exclude: ["WebConfigParity"]),
    ],
    swiftLanguageModes: [.v6]
)
