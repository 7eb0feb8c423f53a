// swift-tools-version: 6.1
// libFuzzer targets for Scenic's frame decoder and request router (see README.md).
// Build and run through ../scripts/fuzz.sh; never part of the main package's build.
import PackageDescription

// The root package exports no library product for ScenicRPC and ScenicProto, so this
// package compiles their sources itself: Sources/ScenicRPC and Sources/ScenicProto are
// symlinks to ../Sources/ScenicRPC and ../Sources/ScenicProto (README.md tells how to
// switch to `.package(path: "..")` once the root package exports them).
let package = Package(
    name: "ScenicFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
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
        .executableTarget(
            name: "fuzz-frame-decoder",
            dependencies: ["ScenicRPC"]
        ),
        .executableTarget(
            name: "fuzz-router",
            dependencies: [
                "ScenicRPC", "ScenicProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
