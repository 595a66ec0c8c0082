// Per-purpose subkeys of the vault key (crypto_kdf, BLAKE2b-based), through libsodium.
internal import CSodium

/// The purposes a vault key is split into. Each has its own crypto_kdf subkey id under the context `KVAULT01`.
enum SubkeyPurpose: UInt64 {
    /// XChaCha20-Poly1305 key that seals each entry.
    case entrySealing = 1
    /// BLAKE2b key for entry fingerprints.
    case fingerprint = 2
    /// BLAKE2b key for the vault tag over the header and index.
    case vaultTag = 3
    /// XChaCha20-Poly1305 key that seals escrowed export passwords.
    case keyPassword = 4
    /// BLAKE2b key that chains the audit log's records.
    case auditLog = 5
    /// BLAKE2b key for checkpoint lines (`keyvault checkpoint`); never used for anything stored in the vault.
    case checkpoint = 6
    /// Seed of the Ed25519 key pair whose public key is the vault key's commitment (its fingerprint), and whose
    /// secret signs the transition to the next vault key at a re-key.
    case keyCommitment = 7
    /// BLAKE2b key that chains a format-version-2 vault's commits (docs/FORMAT-V2-DESIGN.md, "Commit").
    case commitChain = 8

    static let context: [CChar] = Array("KVAULT01".utf8).map { CChar(bitPattern: $0) }
}

enum KeyDerivation {
    /// `crypto_kdf_derive_from_key(32, purpose, "KVAULT01", vaultKey)`.
    static func subkey(_ purpose: SubkeyPurpose, of vaultKey: SecretBytes) throws -> SecretBytes {
        precondition(vaultKey.count == 32)
        let sub = try SecretBytes(zeroedCount: 32)
        let rc = sub.withUnsafeMutableBytes { s in
            vaultKey.withUnsafeBytes { k in
                crypto_kdf_derive_from_key(
                    s.baseAddress!.assumingMemoryBound(to: UInt8.self), 32, purpose.rawValue,
                    SubkeyPurpose.context, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        precondition(rc == 0, "crypto_kdf_derive_from_key cannot fail for these lengths")
        return sub
    }
}
