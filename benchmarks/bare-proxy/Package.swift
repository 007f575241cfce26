// swift-tools-version:6.0
import PackageDescription

// The reference the hub benchmark measures its gateway against besides nginx: a bare SwiftNIO reverse proxy with
// no authentication and no log, each client connection paired with one upstream connection.
let package = Package(
    name: "bare-proxy",
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")],
    targets: [
        .executableTarget(
            name: "bare-proxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        )
    ]
)
