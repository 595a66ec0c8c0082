// One entry in the vault's index: its metadata bytes, as stored, and its nonce (docs/FORMAT.md, "Index").

/// An index record: `meta_len u16 ‖ meta ‖ nonce[24]`. The metadata bytes are kept exactly as read, so that
/// fields this version does not know survive a rewrite.
struct IndexRecord: Hashable, Sendable {
    let metadata: [UInt8]
    let nonce: [UInt8]
    let entry: Entry

    /// Associated data of the entry's seal: vault_id ‖ meta_len ‖ meta.
    func associatedData(vaultID: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 18 + metadata.count)
        w.append(vaultID)
        w.u16(UInt16(metadata.count))
        w.append(metadata)
        return w.bytes
    }

    /// Bytes of the sealed key in the ciphertext area: size + 16.
    var ciphertextCount: Int { Int(entry.size) + AEAD.tagCount }

    func encode(into w: inout ByteWriter) {
        w.u16(UInt16(metadata.count))
        w.append(metadata)
        w.append(nonce)
    }

    /// Reads and checks one record strictly, without building its entry.
    static func locate(_ r: inout ByteReader, index: Int) throws -> RecordLocation {
        let start = r.position
        let metaCount = Int(try r.u16("entry \(index + 1) metadata length"))
        guard metaCount <= FormatV1.maxMetadataCount else {
            throw KeyVaultError.damaged("vault damaged: entry \(index + 1) at byte \(start) claims \(metaCount) bytes of metadata; the limit is \(FormatV1.maxMetadataCount)")
        }
        let meta = try r.bytes(metaCount, "entry \(index + 1) metadata")
        let layout = try EntryMetadata.check(meta, index: index, position: start + 2)
        try r.skip(AEAD.nonceCount, "entry \(index + 1) nonce")
        return RecordLocation(
            start: UInt32(start), metaCount: UInt16(metaCount), roleCount: UInt8(layout.roleCount),
            hostCount: UInt8(layout.hostCount), size: layout.size)
    }
}
