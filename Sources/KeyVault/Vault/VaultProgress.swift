// How far a vault has come: every change appends an audit record, so the count of records ever written only grows.

/// A vault's position in its history: the number of audit records ever written to it and the chain value of the last.
///
/// Every change to a vault (seal, a recorded restore, drill, inventory, promotion, custodian changes, re-key) appends
/// one audit record, and records dropped at the log's cap are still counted, so `records` only grows. An older copy of
/// the file has fewer records: that is how a roll-back is noticed. Read without the vault's secret these values are
/// what the file says; a write also checks the vault tag, which covers them.
public struct VaultProgress: Sendable, Hashable, CustomStringConvertible {
    /// Audit records ever written (kept and dropped).
    public let records: UInt64
    /// The chain value (mac) of the newest record, or the log's anchor when it has none (32 zero bytes when new).
    public let head: [UInt8]

    /// The first 16 bytes of ``head`` in hex: enough to tell two histories apart.
    public var shortHead: String { head.prefix(16).hexString }

    public var description: String { "record \(records) (\(shortHead))" }
}

extension Vault {
    /// Where this vault stands in its history (unauthenticated until unlocked: see ``VaultProgress``).
    public var progress: VaultProgress {
        let log = header.extensions.log
        return VaultProgress(records: log.dropped + UInt64(log.stored.count), head: log.lastMAC)
    }

    /// An unkeyed digest of audit record `number`'s fields (1 for the first record ever written), or nil when the log
    /// no longer keeps it (dropped) or has not reached it. Unlike its mac, which a re-key chains again, the fields
    /// stay what they were: so a later copy of this vault still shows whether its history passed through that record.
    func recordDigest(number: UInt64) -> [UInt8]? { header.extensions.log.digest(ofRecord: number) }

    /// ``recordDigest(number:)`` of the newest record.
    var newestRecordDigest: [UInt8]? { recordDigest(number: progress.records) }
}

extension AuditLog {
    /// See ``Vault/recordDigest(number:)``.
    func digest(ofRecord number: UInt64) -> [UInt8]? {
        guard number > dropped, number - dropped <= UInt64(stored.count) else { return nil }
        return Hashing.blake2b(stored[Int(number - dropped) - 1].fields)
    }
}
