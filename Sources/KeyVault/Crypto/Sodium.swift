// One-time libsodium initialisation, and the funnel every other crypto file goes through first.
internal import CSodium

enum Sodium {
    /// `sodium_init()` result, computed once, thread-safely (a Swift global `let`).
    private static let initialised: Bool = sodium_init() >= 0

    /// Whether `sodium_init()` succeeded, for functions that cannot throw. Until it has run, libsodium uses its
    /// portable code (BLAKE2b, for one, without the AVX2 version), so even hashing goes through here first.
    static var isReady: Bool { initialised }

    /// Ensures libsodium is ready; call before any libsodium function.
    static func ensureReady() throws {
        guard initialised else {
            throw KeyVaultError(.crypto, "libsodium could not be initialised (sodium_init failed); check the system's libsodium installation")
        }
    }
}
