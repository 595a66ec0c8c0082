// Custodian check-ins (docs/FORMAT.md, "Slot commitments and check-ins"): the vault key's commitment to what each
// slot holds, and the signed records of custodians who proved, alone, that their secret still opens their slot.

/// The vault key's commitment to its slots as a set: every slot's bytes (by digest, in order) and, for the slots whose
/// payload the writer knew, the check key that payload gives, signed by the vault key's commitment secret. A custodian
/// who opens one slot alone can then tell that the share it holds is the one the vault key was split into, and that its
/// slot is the one the key committed to in that place.
struct SlotCommitments: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...4
    static let entryCount = 72

    struct Slot: Sendable, Hashable {
        /// H(kind ‖ body_len ‖ body) of the slot.
        let digest: [UInt8]
        /// The Ed25519 public key derived from the slot's payload (``CheckKey``); nil when the writer did not know it.
        let checkKey: [UInt8]?
        /// From when this custodian's check-in age counts until it checks in: when its slot was first made, or its
        /// last proof carried over a re-key.
        let since: Timestamp
    }

    /// The vault key's commitment C that signed the set.
    let keyCommitment: [UInt8]
    /// When the set was made.
    let time: Timestamp
    let slots: [Slot]
    /// Ed25519 by C's secret of ``message(vaultID:keyCommitment:time:slots:)``.
    let signature: [UInt8]

    /// `digest ‖ check key (32 zero bytes when unknown) ‖ u64(since)` for each slot.
    static func encode(_ slots: [Slot]) -> [UInt8] {
        var w = ByteWriter()
        for slot in slots {
            w.append(slot.digest)
            w.append(slot.checkKey ?? [UInt8](repeating: 0, count: 32))
            w.u64(slot.since.secondsSinceEpoch)
        }
        return w.bytes
    }

    /// `"keyvault slot commitments 1" ‖ vault_id ‖ C ‖ u64(time) ‖ slots`.
    static func message(vaultID: [UInt8], keyCommitment: [UInt8], time: Timestamp, slots: [Slot]) -> [UInt8] {
        var w = ByteWriter()
        w.append(Array("keyvault slot commitments 1".utf8))
        w.append(vaultID)
        w.append(keyCommitment)
        w.u64(time.secondsSinceEpoch)
        w.append(encode(slots))
        return w.bytes
    }

    /// Whether the signature is C's over this set.
    func isSigned(vaultID: [UInt8]) -> Bool {
        Ed25519.verify(signature, of: Self.message(vaultID: vaultID, keyCommitment: keyCommitment, time: time, slots: slots), publicKey: keyCommitment)
    }

    /// Whether the set names exactly `digests`, in order.
    func covers(_ digests: [[UInt8]]) -> Bool { slots.map(\.digest) == digests }
}

/// A custodian's check-in: its slot, when, who ran it, signed with the slot's check key (which only a holder of the
/// slot's payload can derive), so that anyone can verify it against the slot's commitment.
struct CheckIn: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...4
    static let maxActorCount = 255
    let slotDigest: [UInt8]
    let time: Timestamp
    /// `user@machine` of whoever ran the check.
    let actor: String
    let signature: [UInt8]

    /// `"keyvault check-in 1" ‖ vault_id ‖ slot digest ‖ u64(time) ‖ u8(len(actor)) ‖ actor`.
    static func message(vaultID: [UInt8], slotDigest: [UInt8], time: Timestamp, actor: String) -> [UInt8] {
        var w = ByteWriter()
        w.append(Array("keyvault check-in 1".utf8))
        w.append(vaultID)
        w.append(slotDigest)
        w.u64(time.secondsSinceEpoch)
        w.u8(UInt8(actor.utf8.count))
        w.append(Array(actor.utf8))
        return w.bytes
    }

    /// Whether `checkKey` signed this check-in.
    func isSigned(vaultID: [UInt8], checkKey: [UInt8]) -> Bool {
        Ed25519.verify(signature, of: Self.message(vaultID: vaultID, slotDigest: slotDigest, time: time, actor: actor), publicKey: checkKey)
    }
}

enum CheckInSections {
    /// One check-in per slot at most: 16 slots, with room left for slots about to be dropped.
    static let maxItems = 64

    static func parseCommitments(_ r: inout ByteReader) throws -> SlotCommitments? {
        let items = try ItemList.parse(&r, what: "slot commitments", max: 1)
        guard let item = items.first else { return nil }
        let f = try ItemFields(item.bytes, known: SlotCommitments.fieldTags, what: "slot commitments", position: item.position)
        let commitment = try f.required(1, "key commitment"), list = try f.required(3, "slots"), signature = try f.required(4, "signature")
        guard commitment.count == Ed25519.publicKeyCount else { throw f.bad("the key commitment must be 32 bytes") }
        guard signature.count == Ed25519.signatureCount else { throw f.bad("signature must be 64 bytes") }
        let time = Timestamp(secondsSinceEpoch: try f.uint(2, "time", bytes: 8, required: true)!)
        let n = SlotCommitments.entryCount
        guard !list.isEmpty, list.count % n == 0, list.count / n <= FormatV1.maxSlots else {
            throw f.bad("slots must be 1-\(FormatV1.maxSlots) entries of \(n) bytes")
        }
        var slots: [SlotCommitments.Slot] = []
        var at = list.startIndex
        while at < list.endIndex {
            let digest = Array(list[at..<at + 32]), key = Array(list[at + 32..<at + 64])
            let since = list[at + 64..<at + 72].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            slots.append(.init(digest: digest, checkKey: key.allSatisfy { $0 == 0 } ? nil : key, since: Timestamp(secondsSinceEpoch: since)))
            at += n
        }
        return SlotCommitments(keyCommitment: Array(commitment), time: time, slots: slots, signature: Array(signature))
    }

    static func parseCheckIns(_ r: inout ByteReader) throws -> [CheckIn] {
        var out: [CheckIn] = []
        for (n, item) in try ItemList.parse(&r, what: "check-in", max: maxItems).enumerated() {
            let f = try ItemFields(item.bytes, known: CheckIn.fieldTags, what: "check-in", number: n + 1, position: item.position)
            let digest = try f.required(1, "slot digest"), signature = try f.required(4, "signature")
            guard digest.count == 32 else { throw f.bad("slot digest must be 32 bytes") }
            guard signature.count == Ed25519.signatureCount else { throw f.bad("signature must be 64 bytes") }
            let time = Timestamp(secondsSinceEpoch: try f.uint(2, "time", bytes: 8, required: true)!)
            let actor = try f.text(3, "actor", max: CheckIn.maxActorCount, required: true)!
            guard !out.contains(where: { $0.slotDigest.elementsEqual(digest) }) else { throw f.bad("a second check-in of the same slot") }
            out.append(CheckIn(slotDigest: Array(digest), time: time, actor: actor, signature: Array(signature)))
        }
        return out
    }

    static func encode(_ c: SlotCommitments) -> [UInt8] {
        var b = ByteWriter()
        var f = TLVWriter()
        f.field(1, c.keyCommitment)
        f.uint(2, c.time.secondsSinceEpoch, bytes: 8)
        f.field(3, SlotCommitments.encode(c.slots))
        f.field(4, c.signature)
        ItemList.encode([f.bytes], into: &b)
        return b.bytes
    }

    static func encode(_ checkIns: [CheckIn]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            checkIns.map { c in
                var f = TLVWriter()
                f.field(1, c.slotDigest)
                f.uint(2, c.time.secondsSinceEpoch, bytes: 8)
                f.text(3, c.actor)
                f.field(4, c.signature)
                return f.bytes
            }, into: &b)
        return b.bytes
    }
}
