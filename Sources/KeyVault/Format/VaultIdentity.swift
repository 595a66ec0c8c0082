// The fixed fields that name one vault: bound into every slot's and entry's associated data.

/// magic ‖ version ‖ flags ‖ vault_id ‖ created_at — the 36 bytes every slot authenticates.
struct VaultIdentity: Hashable, Sendable {
    let version: UInt16
    let flags: UInt16
    let id: [UInt8]
    let createdAt: Timestamp

    static func new(threshold: Bool = false) -> VaultIdentity {
        VaultIdentity(
            version: FormatV1.version, flags: threshold ? FormatV1.flagThreshold : 0,
            id: randomBytes(FormatV1.vaultIDCount), createdAt: .now())
    }

    /// The same vault with the threshold flag set or cleared.
    func withThreshold(_ on: Bool) -> VaultIdentity {
        VaultIdentity(
            version: version, flags: on ? flags | FormatV1.flagThreshold : flags & ~FormatV1.flagThreshold,
            id: id, createdAt: createdAt)
    }

    /// Whether the header has an extension area (flag bit 2).
    var hasExtensions: Bool { flags & FormatV1.flagExtensions != 0 }

    /// The same vault with the extensions flag set or cleared.
    func withExtensions(_ on: Bool) -> VaultIdentity {
        VaultIdentity(
            version: version, flags: on ? flags | FormatV1.flagExtensions : flags & ~FormatV1.flagExtensions,
            id: id, createdAt: createdAt)
    }

    /// The bytes slots use as the first part of their associated data. Flag bit 2 (extensions) is written as 0 here:
    /// like header_size it changes when vault-level data first appears, and slots must not need re-wrapping for that
    /// (the checksum and the vault tag still cover the real flags).
    var associatedBytes: [UInt8] {
        var w = ByteWriter(capacity: 36)
        w.append(FormatV1.magic)
        w.u16(version)
        w.u16(flags & ~FormatV1.flagExtensions)
        w.append(id)
        w.u64(createdAt.secondsSinceEpoch)
        return w.bytes
    }
}
