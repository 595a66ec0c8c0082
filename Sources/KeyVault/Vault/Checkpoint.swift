// Checkpoints: one short authenticated line that records how far a vault's history had come, to keep off the box.

/// A checkpoint line: `kvcp1:<vault id>:<records>:<head>:<mac>`.
///
/// - `vault id`: the vault's 16-byte id in hex;
/// - `records`: ``VaultProgress/records`` in decimal;
/// - `head`: the first 16 bytes of ``VaultProgress/head`` in hex;
/// - `mac`: the first 16 bytes, in hex, of `BLAKE2b-256(key = Subkey(6), "kvcp1" ‖ vault_id ‖ records u64 ‖ head16)`.
///
/// Only a holder of the vault's secret can make or check one. A re-key changes `Subkey(6)`, so checkpoints made before
/// a re-key no longer authenticate: make a new one after each re-key.
public struct Checkpoint: Sendable, Hashable, CustomStringConvertible {
    /// The vault's id (hex).
    public let vaultID: String
    /// Audit records ever written when it was made.
    public let records: UInt64
    /// The first 16 bytes of the newest record's chain value then.
    public let head: [UInt8]
    let mac: [UInt8]

    public var description: String { "kvcp1:\(vaultID):\(records):\(head.hexString):\(mac.hexString)" }

    /// Parses a checkpoint line (surrounding white space ignored).
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is not one.
    public init(parsing text: String) throws {
        let parts = text.trimmingASCIIWhitespace.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == "kvcp1", parts[1].count == 32, Array<UInt8>(hex: parts[1]) != nil,
            let records = UInt64(parts[2]), let head = Array<UInt8>(hex: parts[3]), head.count == 16,
            let mac = Array<UInt8>(hex: parts[4]), mac.count == 16
        else {
            throw KeyVaultError.invalidArgument("not a keyvault checkpoint: expected one line kvcp1:<vault id>:<records>:<head>:<mac>, as 'keyvault checkpoint' prints")
        }
        self.init(vaultID: parts[1].lowercased(), records: records, head: head, mac: mac)
    }

    init(vaultID: String, records: UInt64, head: [UInt8], mac: [UInt8]) {
        self.vaultID = vaultID
        self.records = records
        self.head = head
        self.mac = mac
    }

    static func mac(vaultID: [UInt8], records: UInt64, head: [UInt8], key: SecretBytes) -> [UInt8] {
        var w = ByteWriter(capacity: 5 + 16 + 8 + 16)
        w.append(Array("kvcp1".utf8))
        w.append(vaultID)
        w.u64(records)
        w.append(head)
        return Array(Hashing.blake2b(w.bytes, key: key).prefix(16))
    }
}

/// How a vault compares with a checkpoint.
public enum CheckpointFinding: Sendable, Hashable {
    /// The vault is exactly where the checkpoint left it.
    case current
    /// The vault has `records` more records, and its history passes through the checkpoint (when that record is still
    /// kept; `verified` is false when the log's cap dropped it).
    case newer(records: UInt64, verified: Bool)
    /// The vault has fewer records than the checkpoint: an older copy, or its newest records were cut.
    case rolledBack(checkpoint: UInt64, vault: UInt64)
    /// The vault's record at the checkpoint's position is another one: its history went another way.
    case diverged(at: UInt64)

    /// Whether the vault passes the check.
    public var isAcceptable: Bool {
        switch self {
        case .current, .newer: return true
        case .rolledBack, .diverged: return false
        }
    }
}

extension UnlockedVault {
    /// A checkpoint of this vault as it is now.
    public func checkpoint() throws -> Checkpoint {
        let progress = vault.progress
        let head = Array(progress.head.prefix(16))
        let key = try KeyDerivation.subkey(.checkpoint, of: vaultKey)
        return Checkpoint(
            vaultID: vault.id, records: progress.records, head: head,
            mac: Checkpoint.mac(vaultID: vault.header.identity.id, records: progress.records, head: head, key: key))
    }

    /// Compares this vault with `checkpoint`.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when the checkpoint names another vault;
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when it does not authenticate under this vault's key (altered,
    ///   or made before a re-key).
    public func check(_ checkpoint: Checkpoint) throws -> CheckpointFinding {
        guard checkpoint.vaultID == vault.id else {
            throw KeyVaultError.invalidArgument("the checkpoint is for vault \(checkpoint.vaultID), not this one (\(vault.id))")
        }
        let key = try KeyDerivation.subkey(.checkpoint, of: vaultKey)
        let expected = Checkpoint.mac(vaultID: vault.header.identity.id, records: checkpoint.records, head: checkpoint.head, key: key)
        guard constantTimeEqual(expected, checkpoint.mac) else {
            // Under another key: a re-key after the checkpoint, or, for a copy with fewer records than it names, a copy
            // from before a re-key that came before the checkpoint (a roll-back across a re-key).
            let other =
                checkpoint.records > vault.progress.records
                ? "this copy is from before a re-key the checkpoint was made after (an older copy put back)"
                : "the vault was re-keyed since it was made"
            throw KeyVaultError.damaged(
                "the checkpoint does not authenticate under this vault's key: it was altered, or \(other) (the checkpoint says \(checkpoint.records) records, the vault has \(vault.progress.records))"
            )
        }
        let log = vault.header.extensions.log
        let now = vault.progress
        if now.records < checkpoint.records { return .rolledBack(checkpoint: checkpoint.records, vault: now.records) }
        // The chain value after `checkpoint.records` records, if the log still keeps it.
        let then: [UInt8]?
        if checkpoint.records == log.dropped {
            then = log.anchor
        } else if checkpoint.records > log.dropped {
            then = Array(log.stored[Int(checkpoint.records - log.dropped) - 1].mac)
        } else {
            then = nil
        }
        if let then, Array(then.prefix(16)) != checkpoint.head { return .diverged(at: checkpoint.records) }
        if now.records == checkpoint.records { return .current }
        return .newer(records: now.records - checkpoint.records, verified: then != nil)
    }
}
