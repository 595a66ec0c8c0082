// swift-tools-version:6.0
// A tool that links the KeyVault library as any other tool would: by package, here by path to this repository.
import PackageDescription

let package = Package(
    name: "SealListRestore",
    dependencies: [
        .package(name: "keyvault", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "SealListRestore",
            dependencies: [.product(name: "KeyVault", package: "keyvault")]
        ),
    ]
)
