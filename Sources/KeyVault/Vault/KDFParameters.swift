// Argon2id cost parameters, their presets, and the bounds a reader enforces.

/// The cost of turning a passphrase into a key with Argon2id v1.3.
///
/// Parameters are stored in the vault and checked against ``bounds`` when read, before any work is done, so that a
/// hostile file cannot make keyvault allocate gigabytes or spin for minutes.
public struct KDFParameters: Hashable, Sendable, CustomStringConvertible {
    /// Argon2id passes (libsodium's `opslimit`).
    public let opsLimit: UInt32
    /// Memory in KiB (libsodium's `memlimit` ÷ 1024).
    public let memLimitKiB: UInt32

    /// What a reader accepts: 1–10 passes, 8 KiB–1 GiB of memory.
    public static let bounds = (ops: UInt32(1)...UInt32(10), memKiB: UInt32(8)...UInt32(1 << 20))

    /// libsodium's INTERACTIVE cost: 2 passes, 64 MiB.
    public static let interactive = KDFParameters(unchecked: 2, 64 * 1024)
    /// libsodium's MODERATE cost, the default: 3 passes, 256 MiB.
    public static let moderate = KDFParameters(unchecked: 3, 256 * 1024)
    /// libsodium's SENSITIVE cost: 4 passes, 1 GiB.
    public static let sensitive = KDFParameters(unchecked: 4, 1024 * 1024)
    /// The default for new vaults.
    public static let `default` = moderate

    /// The named presets, by the name the command line uses.
    public static let presets: [(name: String, parameters: KDFParameters)] = [
        ("interactive", .interactive), ("moderate", .moderate), ("sensitive", .sensitive),
    ]

    private init(unchecked ops: UInt32, _ memKiB: UInt32) {
        opsLimit = ops
        memLimitKiB = memKiB
    }

    /// Custom parameters, checked against ``bounds``.
    ///
    /// - Parameters:
    ///   - opsLimit: Argon2id passes, 1–10.
    ///   - memLimitKiB: memory in KiB, 8–1,048,576.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when out of bounds.
    public init(opsLimit: UInt32, memLimitKiB: UInt32) throws {
        if let problem = KDFParameters.problem(ops: opsLimit, memKiB: memLimitKiB) {
            throw KeyVaultError.invalidArgument("Argon2id parameters out of range: \(problem)")
        }
        self.init(unchecked: opsLimit, memLimitKiB)
    }

    /// Reads stored parameters; nil with a reason when out of bounds.
    static func checked(ops: UInt32, memKiB: UInt32) -> Result<KDFParameters, KeyVaultError> {
        if let problem = problem(ops: ops, memKiB: memKiB) {
            return .failure(.damaged("vault refused: its Argon2id parameters are beyond what keyvault accepts (\(problem)); the file is damaged or hostile"))
        }
        return .success(KDFParameters(unchecked: ops, memKiB))
    }

    private static func problem(ops: UInt32, memKiB: UInt32) -> String? {
        if !bounds.ops.contains(ops) { return "\(ops) passes, accepted \(bounds.ops.lowerBound)-\(bounds.ops.upperBound)" }
        if !bounds.memKiB.contains(memKiB) { return "\(memKiB) KiB of memory, accepted \(bounds.memKiB.lowerBound)-\(bounds.memKiB.upperBound) KiB" }
        return nil
    }

    public var description: String {
        let mem = memLimitKiB >= 1024 ? "\(memLimitKiB / 1024) MiB" : "\(memLimitKiB) KiB"
        return "Argon2id, \(opsLimit) passes, \(mem)"
    }
}
