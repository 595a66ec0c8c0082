// The fixed fields that name one vault: bound into every slot's and entry's associated data.

/// magic ‖ version ‖ flags ‖ vault_id ‖ created_at — the 36 bytes every slot authenticates.
struct VaultIdentity: Hashable, Sendable {
    let version: UInt16
    let flags: UInt16
    let id: [UInt8]
    let createdAt: Timestamp

    static func new(threshold: Bool = false) -> VaultIdentity {
        VaultIdentity(version: FormatV1.version, flags: threshold ? FormatV1.flagThreshold : 0,
                      id: randomBytes(FormatV1.vaultIDCount), createdAt: .now())
    }

    /// The same vault with the threshold flag set or cleared.
    func withThreshold(_ on: Bool) -> VaultIdentity {
        VaultIdentity(version: version, flags: on ? flags | FormatV1.flagThreshold : flags & ~FormatV1.flagThreshold,
                      id: id, createdAt: createdAt)
    }

    /// The bytes slots use as the first part of their associated data.
    var associatedBytes: [UInt8] {
        var w = ByteWriter(capacity: 36)
        w.append(FormatV1.magic)
        w.u16(version)
        w.u16(flags)
        w.append(id)
        w.u64(createdAt.secondsSinceEpoch)
        return w.bytes
    }
}
