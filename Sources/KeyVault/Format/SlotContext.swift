// What every slot binds into its associated data, and how long its wrapped payload is.

/// The vault-wide facts a slot's seal depends on: the vault identity and, when set, the threshold.
struct SlotContext: Sendable {
    let identity: VaultIdentity
    let threshold: UInt8?

    /// Vault key (32 bytes), or a Shamir share `x ‖ y[32]` (33 bytes) in a threshold vault.
    var payloadCount: Int { threshold == nil ? 32 : 33 }

    /// identity bytes (36), then the threshold byte when the vault has one.
    var associatedPrefix: [UInt8] {
        identity.associatedBytes + (threshold.map { [$0] } ?? [])
    }

    /// prefix ‖ kind ‖ body_len ‖ the body's bytes before the wrapped payload.
    func associatedData(kind: UInt8, bodyCount: Int, parameters: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 40 + parameters.count)
        w.append(associatedPrefix)
        w.u8(kind)
        w.u16(UInt16(bodyCount))
        w.append(parameters)
        return w.bytes
    }

    var wrappedCount: Int { payloadCount + AEAD.tagCount }
}
