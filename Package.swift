// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Scenic",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "scenicd", targets: ["scenicd"]),
        .executable(name: "scenic-admin", targets: ["scenic-admin"]),
        .executable(name: "scenic-pos", targets: ["scenic-pos"]),
        .executable(name: "scenic-bench", targets: ["scenic-bench"]),
        .library(name: "ScenicClient", targets: ["ScenicClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "ScenicProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "ScenicRPC",
            dependencies: [
                "ScenicProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ScenicTransport",
            dependencies: [
                "ScenicRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // AES-128 blocks with the key expanded once, on the AES-NI instructions (C intrinsics).
        .target(name: "CAESBlock"),
        .target(
            name: "ScenicNumbering",
            dependencies: [
                "CAESBlock",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // SQLite's process-wide options, set through sqlite3_config (variadic: C only).
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "ScenicStore",
            dependencies: [
                "ScenicNumbering", "CSQLiteSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ScenicPostgres",
            dependencies: [
                "ScenicStore", "ScenicNumbering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ScenicServices",
            dependencies: [
                "ScenicRPC", "ScenicProto", "ScenicStore", "ScenicNumbering",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ScenicMetrics",
            dependencies: [
                "ScenicRPC", "ScenicStore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ScenicClient",
            dependencies: ["ScenicRPC", "ScenicTransport", "ScenicProto"]
        ),
        .executableTarget(
            name: "scenicd",
            dependencies: [
                "ScenicRPC", "ScenicTransport", "ScenicStore", "ScenicPostgres", "ScenicServices", "ScenicMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "ScenicQRCode", dependencies: ["CQRencode"], path: "clients/qr"),
        .target(name: "ScenicProcessStatistics"),
        .target(
            name: "ScenicCLI",
            dependencies: [
                "ScenicClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "clients/common"
        ),
        .executableTarget(
            name: "scenic-admin",
            dependencies: ["ScenicCLI", "ScenicClient"],
            path: "clients/admin"
        ),
        .executableTarget(
            name: "scenic-pos",
            dependencies: ["ScenicCLI", "ScenicClient", "ScenicQRCode"],
            path: "clients/pos"
        ),
        .executableTarget(
            name: "scenic-bench",
            dependencies: [
                "ScenicClient", "ScenicProcessStatistics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/scenic-bench"
        ),
        .target(
            name: "ScenicTestSupport",
            dependencies: [
                "ScenicRPC", "ScenicProto", "ScenicPostgres", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ScenicTestSupport"
        ),
        .testTarget(
            name: "ScenicRPCTests",
            dependencies: [
                "ScenicRPC", "ScenicProto", "ScenicTestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ScenicTransportTests",
            dependencies: [
                "ScenicTransport", "ScenicClient", "ScenicRPC", "ScenicProto", "ScenicTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ScenicNumberingTests", dependencies: ["ScenicNumbering"]),
        .testTarget(
            name: "ScenicStoreTests",
            dependencies: ["ScenicStore", "ScenicNumbering", "ScenicTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "ScenicPostgresTests",
            dependencies: [
                "ScenicPostgres", "ScenicStore", "ScenicTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ScenicServicesTests",
            dependencies: [
                "ScenicServices", "ScenicStore", "ScenicPostgres", "ScenicNumbering", "ScenicRPC", "ScenicProto", "ScenicTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "ScenicQRCodeTests", dependencies: ["ScenicQRCode", "ScenicTestSupport"]),
        .testTarget(
            name: "ScenicCLITests",
            dependencies: ["ScenicCLI", "ScenicTestSupport"]
        ),
        .testTarget(
            name: "ScenicdTests",
            dependencies: ["ScenicClient", "ScenicRPC", "ScenicProto", "ScenicTestSupport", "ScenicProcessStatistics"]
        ),
    ]
)
