// swift-tools-version:6.1
import PackageDescription

// The layer table lives in docs/ARCHITECTURE.md. Dependencies point one way:
// claude-ledger (CLI) → Sync / Reporting / Export → Projections → Ledger → CoreValues.
// Each target declares exactly the modules it imports; CI builds with
// `--explicit-target-dependency-import-check error` so an undeclared import fails the build.
let package = Package(
    name: "claude-ledger",
    platforms: [.macOS(.v15)],  // Int128 (ExactDecimal) needs macOS 15
    products: [
        .executable(name: "claude-ledger", targets: ["claude-ledger"]),
        .executable(name: "admin-simulator", targets: ["admin-simulator"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Projections", targets: ["Projections"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Imported directly by the Admin API client and the simulator (also used by the two above).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System liblz4 (frame API). `apt-get install -y liblz4-dev`.
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", providers: [.apt(["liblz4-dev"])]),

        // Exact decimals, UTC days, stream names: values every layer shares.
        .target(name: "CoreValues", path: "Sources/CoreValues"),

        // The tables, described once: columns, SQLite and BigQuery types, nullability, natural
        // keys, indexes. Read by the projections, the exports and the reports.
        .target(name: "TableSchemas", dependencies: ["CoreValues"], path: "Sources/TableSchemas"),

        // The append-only ledger: format, schema, LZ4 framing, hashing, chain, verify.
        .target(
            name: "Ledger",
            dependencies: [
                "CLZ4", "CoreValues",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "ledger",
            exclude: ["FORMAT.md"]
        ),

        // Deterministic projections of the ledger into the three tables.
        .target(
            name: "Projections",
            dependencies: [
                "Ledger", "TableSchemas", "CoreValues",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "projections",
            exclude: ["README.md"]
        ),

        // The Admin API client: pagination and retry state machines, HTTP at the edge.
        .target(
            name: "AdminAPI",
            dependencies: [
                "CoreValues",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/AdminAPI"
        ),

        // sync: windows, resume, failed-window bookkeeping; the only writer of the ledger.
        .target(
            name: "Sync",
            dependencies: [
                "AdminAPI", "Ledger", "CoreValues",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Sync"
        ),

        // report, audit, reconcile, explain: read-only views of the projections.
        .target(
            name: "Reporting",
            dependencies: [
                "Projections", "Ledger", "TableSchemas", "CoreValues",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Reporting"
        ),

        // export files and BigQuery.
        .target(
            name: "Export",
            dependencies: [
                "TableSchemas", "CoreValues",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Export"
        ),

        // The local Admin API simulator: synthetic organization, faults, revisions, ground truth.
        .target(
            name: "AdminSimulator",
            dependencies: [
                "CoreValues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/AdminSimulator"
        ),
        .executableTarget(
            name: "admin-simulator",
            dependencies: [
                "AdminSimulator", "CoreValues",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/admin-simulator"
        ),
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                "Ledger", "Projections", "CoreValues", "AdminAPI", "AdminSimulator", "Sync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/ledger-bench"
        ),

        // The thin executable: parses, wires, maps errors to exit codes.
        .executableTarget(
            name: "claude-ledger",
            dependencies: [
                "Ledger", "Projections", "Sync", "Reporting", "Export", "AdminAPI", "AdminSimulator",
                "TableSchemas", "CoreValues",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/claude-ledger"
        ),

        .testTarget(name: "CoreValuesTests", dependencies: ["CoreValues"], path: "Tests/CoreValuesTests"),
        .testTarget(name: "TableSchemasTests", dependencies: ["TableSchemas", "CoreValues"], path: "Tests/TableSchemasTests"),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Ledger", "CoreValues", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/LedgerTests"
        ),
        .testTarget(
            name: "AdminAPITests",
            dependencies: [
                "AdminAPI", "CoreValues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AdminAPITests"
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["AdminSimulator", "CoreValues"],
            path: "Tests/SimulatorTests"
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: ["Projections", "TableSchemas", "Ledger", "CoreValues", "TestSupport"],
            path: "Tests/ProjectionsTests"
        ),
        .testTarget(
            name: "SyncTests",
            dependencies: ["Sync", "Ledger", "AdminAPI", "AdminSimulator", "CoreValues", "TestSupport", "SimulatorSupport",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/SyncTests"
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "TableSchemas", "CoreValues", "TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/ReportingTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Ledger", "AdminSimulator", "Sync", "Projections", "Reporting", "CoreValues",
                           "TestSupport", "SimulatorSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/EndToEndTests"
        ),
        .testTarget(
            name: "ExportTests",
            dependencies: [
                "Export", "TableSchemas", "CoreValues", "TestSupport", "SimulatorSupport", "AdminSimulator", "Ledger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/ExportTests",
            exclude: ["Fixtures"]
        ),
        // Helpers shared by the test targets: temporary directories, running the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Syncing from a running simulator, in process or with the built binary: shared by the
        // sync, end-to-end and export tests. Apart from TestSupport so that the ledger and
        // projections tests do not depend on the network stack.
        .target(
            name: "SimulatorSupport",
            dependencies: [
                "AdminAPI", "AdminSimulator", "CoreValues", "Ledger", "Sync", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SimulatorSupport"
        ),
    ]
)
