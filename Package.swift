// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keyvault",
    products: [
        .library(name: "KeyVault", targets: ["KeyVault"]),
        .executable(name: "keyvault", targets: ["keyvault"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (scripts/docs.sh); a command plugin, linked into nothing.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // OpenSSL 3's headers (Debian libssl-dev puts them on the default include path). Deliberately without
        // `pkgConfig: "libcrypto"`: SwiftPM would put its `-lcrypto` on every link line, ahead of anything that could
        // drop it, and the executable would load libcrypto at start again; CKeyVaultOpenSSLLoader loads it instead.
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // PostgreSQL's client library's headers (Debian libpq-dev), for vaults kept in a database. Without
        // `pkgConfig: "libpq"` for the reason COpenSSL has none: CKeyVaultLibpqLoader loads libpq.so.5 when a command first
        // names a postgresql:// vault, so a file vault's commands never map it (nor libssl, GSSAPI and LDAP with it).
        .systemLibrary(
            name: "CLibpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "CKeyVaultLibpqLoader", dependencies: ["CLibpq"], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CKeyVaultSystem"),
        // PKCS#11 modules (smartcards, HSMs) loaded at run time with dlopen; pkcs11.h from Debian libp11-kit-dev.
        .target(name: "CKeyVaultPKCS11", linkerSettings: [.linkedLibrary("dl")]),
        // libcrypto loaded at run time with dlopen, only when a certificate or token custodian needs it: it defines the
        // OpenSSL functions keyvault calls, so the executable does not link libcrypto (start-up, docs/BENCHMARKS.md).
        .target(name: "CKeyVaultOpenSSLLoader", dependencies: ["COpenSSL"], linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "KeyVault",
            dependencies: ["CSodium", "COpenSSL", "CKeyVaultOpenSSLLoader", "CKeyVaultSystem", "CKeyVaultPKCS11", "CKeyVaultLibpqLoader"]
        ),
        .executableTarget(
            name: "keyvault",
            dependencies: [
                "KeyVault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["StaticLink"],
            // Generic types' metadata from their accessors, with the witness tables passed in, instead of from mangled
            // names, which the runtime decodes and checks against every protocol conformance in the binary (about
            // 4,000) on first use: 0.75 M of the 7.0 M instructions a whole `seal` took (docs/BENCHMARKS.md). Only for
            // the tool: a library target with unsafe flags could not be a versioned dependency of another package.
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])],
            // A release build links libstdc++ statically (StaticLink/libstdc++.so says why), and the unwinder it uses
            // from libgcc_eh.a instead of libgcc_s.so.1, whose start-up code asks the processor for its features with
            // `cpuid`, a trap to the hypervisor on a virtual machine (a seal 0.3 ms faster); and it links with lld and
            // packed relative relocations (DT_RELR: 8 KiB for the loader to apply instead of 960 KiB of RELA; 0.15 ms).
            // Both need glibc 2.36, as the static libstdc++ already does (arc4random). Debug and sanitizer builds link
            // as the toolchain does. docs/BENCHMARKS.md has the measurements.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-L\(Context.packageDirectory)/Sources/keyvault/StaticLink", "-Xclang-linker", "-static-libgcc",
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    ],
                    .when(platforms: [.linux], configuration: .release)
                )
            ]
        ),
        // libFuzzer target over the parser and open path; built only by scripts/fuzz.sh (-sanitize=fuzzer).
        .executableTarget(
            name: "keyvault-fuzz",
            dependencies: ["KeyVault"]
        ),
        // Benchmarks (issue 5): a program that prints figures, run by scripts/bench.sh; not part of `swift test`.
        .executableTarget(
            name: "keyvault-bench",
            dependencies: ["KeyVault", "CSodium"],
            path: "Benchmarks/KeyVaultBench"
        ),
        // Helpers both test targets use (reading files without Foundation's leak); linked into tests only.
        .target(
            name: "KeyVaultTestSupport",
            path: "Tests/Support"
        ),
        .testTarget(
            name: "KeyVaultTests",
            dependencies: ["KeyVault", "KeyVaultTestSupport"],
            resources: []
        ),
        .testTarget(
            name: "KeyVaultCLITests",
            dependencies: ["keyvault", "KeyVaultTestSupport"]
        ),
    ]
)
