// The vault key's trust records (docs/FORMAT.md, "Endorsements and key history"): each custodian's own endorsement
// of its slot and of the vault key, and the chain of re-keys signed by each old key.

/// One custodian's endorsement of its slot: made with the custodian's own secret, over the vault id, the vault key's
/// commitment and the slot's bytes, so that nobody who holds only the file can make one for a slot of their own.
struct SlotEndorsement: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...2
    static let maxProofCount = 2048
    /// H(kind ‖ body_len ‖ body) of the slot it endorses.
    let slotDigest: [UInt8]
    /// X25519: a 32-byte MAC; certificate: a signature by its private key.
    let proof: [UInt8]
}

/// A re-key: the old key's commitment, the new one, when, and the old key's Ed25519 signature of the step.
struct KeyTransition: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...4
    let previous: [UInt8]
    let next: [UInt8]
    let time: Timestamp
    let signature: [UInt8]

    /// `"keyvault rekey 1" ‖ vault_id ‖ previous ‖ next ‖ u64(time)`: what the old key signs.
    static func message(vaultID: [UInt8], previous: [UInt8], next: [UInt8], time: Timestamp) -> [UInt8] {
        var w = ByteWriter()
        w.append(Array("keyvault rekey 1".utf8))
        w.append(vaultID)
        w.append(previous)
        w.append(next)
        w.u64(time.secondsSinceEpoch)
        return w.bytes
    }
}

enum KeyTrustSections {
    static let maxEndorsements = 64
    static let maxTransitions = 1024

    static func parseEndorsements(_ r: inout ByteReader) throws -> [SlotEndorsement] {
        var out: [SlotEndorsement] = []
        for (n, item) in try ItemList.parse(&r, what: "endorsement", max: maxEndorsements).enumerated() {
            let f = try ItemFields(item.bytes, known: SlotEndorsement.fieldTags, what: "endorsement", number: n + 1, position: item.position)
            let digest = try f.required(1, "slot digest"), proof = try f.required(2, "proof")
            guard digest.count == 32 else { throw f.bad("slot digest must be 32 bytes") }
            guard (1...SlotEndorsement.maxProofCount).contains(proof.count) else { throw f.bad("proof must be 1-\(SlotEndorsement.maxProofCount) bytes") }
            guard !out.contains(where: { $0.slotDigest.elementsEqual(digest) }) else { throw f.bad("a second endorsement of the same slot") }
            out.append(SlotEndorsement(slotDigest: Array(digest), proof: Array(proof)))
        }
        return out
    }

    static func parseTransitions(_ r: inout ByteReader) throws -> [KeyTransition] {
        var out: [KeyTransition] = []
        for (n, item) in try ItemList.parse(&r, what: "key transition", max: maxTransitions).enumerated() {
            let f = try ItemFields(item.bytes, known: KeyTransition.fieldTags, what: "key transition", number: n + 1, position: item.position)
            let previous = try f.required(1, "previous key"), next = try f.required(2, "next key"), signature = try f.required(4, "signature")
            guard previous.count == Ed25519.publicKeyCount, next.count == Ed25519.publicKeyCount else { throw f.bad("keys must be 32 bytes") }
            guard signature.count == Ed25519.signatureCount else { throw f.bad("signature must be 64 bytes") }
            let time = Timestamp(secondsSinceEpoch: try f.uint(3, "time", bytes: 8, required: true)!)
            out.append(KeyTransition(previous: Array(previous), next: Array(next), time: time, signature: Array(signature)))
        }
        return out
    }

    static func encode(_ endorsements: [SlotEndorsement]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            endorsements.map { e in
                var f = TLVWriter()
                f.field(1, e.slotDigest)
                f.field(2, e.proof)
                return f.bytes
            }, into: &b)
        return b.bytes
    }

    static func encode(_ transitions: [KeyTransition]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            transitions.map { t in
                var f = TLVWriter()
                f.field(1, t.previous)
                f.field(2, t.next)
                f.uint(3, t.time.secondsSinceEpoch, bytes: 8)
                f.field(4, t.signature)
                return f.bytes
            }, into: &b)
        return b.bytes
    }
}
