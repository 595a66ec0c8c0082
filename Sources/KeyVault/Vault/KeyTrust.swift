// Whether an unlocked vault key is the vault's own: custodians' endorsements, the key this user saw before, and
// re-keys signed by the key before (docs/FORMAT.md, "Endorsements and key history"; SECURITY.md, "Trust model").

/// What vouches for the key a vault was unlocked with, or why nothing does.
///
/// Someone who can write the vault file but holds no secret can wrap a vault key of their own choosing to the same
/// public custodians (X25519 recipients and certificates are in the file). The key they chose opens, so opening proves
/// nothing about who chose it. It is vouched for when the passphrase slot opened (only the passphrase makes that
/// slot), when an opened slot carries its custodian's endorsement (made with that custodian's own secret over the vault
/// id, this key's commitment and the slot's bytes), or when it is the key this user saw before (or follows from it
/// through re-keys each signed by the key before).
public enum KeyVouch: Sendable, Equatable {
    /// The passphrase slot opened.
    case passphrase
    /// The custodian of this slot (1-based) endorsed it and this key.
    case endorsed(slot: Int)
    /// This user saw this very key before (``SeenVaults``).
    case pinned
    /// This user saw an earlier key, and a chain of this many re-keys, each signed by the key before, leads here.
    case pinnedThroughRekey(steps: Int)
    /// Nothing vouches for the key yet: its slots were made from public keys and never endorsed, and this user has
    /// not seen the vault. A forgery looks the same; a write needs the operator's explicit decision.
    case unvouched(String)
    /// Evidence that the key was replaced: an endorsement that does not check, or another key than the one this user
    /// saw with no signed re-key leading to it.
    case contradicted(String)

    /// Whether something vouches for the key.
    public var isVouched: Bool {
        switch self {
        case .passphrase, .endorsed, .pinned, .pinnedThroughRekey: return true
        case .unvouched, .contradicted: return false
        }
    }

    /// Why the key is not vouched for, or nil.
    public var problem: String? {
        switch self {
        case .unvouched(let why), .contradicted(let why): return why
        default: return nil
        }
    }
}

extension Endorser {
    /// The endorsements `identities` make of the new `slots` (made for `sources`, in order) and the key `commitment`:
    /// at creation and at a re-key, when the writer holds some custodians' secrets. An identity that is no custodian's
    /// is skipped, or refused when `strict`.
    static func endorsements(
        by identities: [CustodianIdentity], sources: [any SlotRecipient], slots: [SlotRecord],
        vaultID: [UInt8], commitment: [UInt8], strict: Bool
    ) throws -> (endorsements: [SlotEndorsement], slots: [Int]) {
        var out: [SlotEndorsement] = [], endorsed: [Int] = []
        for given in identities {
            var match: (Int, Endorser)?
            for index in sources.indices { if let e = try given.secret.endorser(for: sources[index]) { match = (index, e); break } }
            guard let (index, endorser) = match else {
                if strict { throw KeyVaultError.invalidArgument("\(given.source) is not the secret of any custodian of the new vault; it cannot endorse a slot") }
                continue
            }
            if endorsed.contains(index + 1) { continue }
            let message = UnlockedVault.endorsementMessage(for: slots[index], vaultID: vaultID, commitment: commitment)
            out.append(SlotEndorsement(slotDigest: slots[index].digest, proof: try endorser.proof(message)))
            endorsed.append(index + 1)
        }
        return (out, endorsed)
    }
}

extension SlotRecord {
    /// H(kind ‖ body_len ‖ body): what an endorsement names its slot by.
    var digest: [UInt8] {
        var w = ByteWriter(capacity: 3 + body.count)
        w.u8(kind)
        w.u16(UInt16(body.count))
        w.append(body)
        return Hashing.blake2b(w.bytes)
    }
}

extension UnlockedVault {
    /// The vault key's public commitment, shown as its fingerprint (the first 16 bytes, in hex groups of four): compare
    /// it with the one `keyvault init` printed, or the one `keyvault upgrade` prints for a custodian who used the vault.
    public var keyFingerprint: String { Self.fingerprintText(keyCommitment) }

    /// The first 16 bytes of `commitment` in lower-case hex, a `-` after every two bytes: `9e86-2ab8-…-5fb0`. Built
    /// byte by byte: the generic `joined(separator:)` it replaced was 2 % of a whole `keyvault seal`, most of it the
    /// runtime instantiating metadata on first use.
    static func fingerprintText(_ commitment: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        var text: [UInt8] = []
        text.reserveCapacity(39)
        for (i, byte) in commitment.prefix(16).enumerated() {
            if i > 0 && i % 2 == 0 { text.append(UInt8(ascii: "-")) }
            text.append(digits.utf8Start[Int(byte >> 4)])
            text.append(digits.utf8Start[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The Ed25519 key pair whose public key is this key's commitment.
    static func commitmentKeyPair(of vaultKey: SecretBytes) throws -> (secret: SecretBytes, publicKey: [UInt8]) {
        try Ed25519.keyPair(seed: try KeyDerivation.subkey(.keyCommitment, of: vaultKey))
    }

    /// `"keyvault endorsement 1" ‖ vault_id ‖ commitment ‖ slot digest`: what a custodian endorses.
    func endorsementMessage(for slot: SlotRecord) -> [UInt8] {
        Self.endorsementMessage(for: slot, vaultID: vault.header.identity.id, commitment: keyCommitment)
    }

    static func endorsementMessage(for slot: SlotRecord, vaultID: [UInt8], commitment: [UInt8]) -> [UInt8] {
        Array("keyvault endorsement 1".utf8) + vaultID + commitment + slot.digest
    }

    /// Whether `endorsement` is the valid endorsement of slot `index` (0-based) and this key. X25519 slots can be checked
    /// only by their custodian (its secret is needed); certificate slots by anyone (a signature under the certificate).
    func endorsementChecks(_ endorsement: SlotEndorsement, slot index: Int) -> Bool {
        let record = vault.header.slots[index]
        let message = endorsementMessage(for: record)
        guard let slot = try? Slot.parse(record, at: 0, context: vault.header.slotContext) else { return false }
        if let verdict = slot.checkEndorsement(endorsement.proof, of: message) { return verdict }
        // Only the custodian's secret checks it: remake the proof with the endorser this unlock kept.
        guard let endorser = endorsers[index], let expected = try? endorser.proof(message) else { return false }
        return constantTimeEqual(expected, endorsement.proof)
    }

    /// What vouches for this key, given the commitment this user pinned for the vault (nil: never seen).
    ///
    /// - Parameter pinned: the commitment this user saw last (``SeenVaults/pinnedKey(ofVaultID:)``), or nil.
    /// - Returns: the strongest reason to trust the key, or why there is none.
    public func vouch(pinned: [UInt8]?) -> KeyVouch {
        let area = vault.header.extensions
        if let pinned, pinned != keyCommitment {
            if let steps = Self.transitionSteps(area.keyHistory, from: pinned, to: keyCommitment, vaultID: vault.header.identity.id) {
                return .pinnedThroughRekey(steps: steps)
            }
            return .contradicted(
                "this vault's key is not the one this user last saw (key fingerprint \(Self.fingerprintText(pinned)) then, \(keyFingerprint) now), and no re-key signed by the old key leads from one to the other: someone who can write the file may have replaced the vault key"
            )
        }
        if pinned != nil { return .pinned }
        let threshold = vault.header.threshold != nil
        if passphraseVerified && !threshold { return .passphrase }
        var contradicted: [Int] = [], endorsed: [Int] = []
        for index in openedSlots {
            let digest = vault.header.slots[index].digest
            guard let endorsement = area.endorsements.first(where: { $0.slotDigest == digest }) else { continue }
            if endorsementChecks(endorsement, slot: index) { endorsed.append(index) } else { contradicted.append(index + 1) }
        }
        if !contradicted.isEmpty {
            return .contradicted(
                "the endorsement of slot \(contradicted.map(String.init).joined(separator: ", ")) does not check under its custodian's own secret: the slot or the vault key was replaced by someone who does not hold that secret"
            )
        }
        if !threshold, let first = endorsed.first { return .endorsed(slot: first + 1) }
        if threshold {
            // K−1 custodians who can write the file could make a vault under a key they know, endorse their own slots and
            // wrap the last share to an honest custodian: every share combined must be vouched for by its own custodian
            // (an endorsement; the passphrase's share by the passphrase that opened it).
            let passphraseSlot = vault.header.slots.firstIndex { $0.kind == PassphraseSlot.kind }
            let unvouched = openedSlots.filter { !endorsed.contains($0) && !(passphraseVerified && $0 == passphraseSlot) }
            if unvouched.isEmpty { return endorsed.first.map { .endorsed(slot: $0 + 1) } ?? .passphrase }
            let one = unvouched.count == 1
            return .unvouched(
                "nothing vouches for this vault's key: slot\(one ? "" : "s") \(unvouched.map { String($0 + 1) }.joined(separator: ", ")) \(one ? "is" : "are") not endorsed by \(one ? "its custodian" : "their custodians"), and in a vault that needs several custodians each one's share must be (or fewer than that many, writing the file, could have made the key), and this user has not seen this vault before"
            )
        }
        let slots = openedSlots.map { String($0 + 1) }.joined(separator: ", ")
        // Not "never": a re-key makes a new key, which only the custodians given to it endorse again.
        let one = openedSlots.count == 1
        return .unvouched(
            "nothing vouches for this vault's key: slot\(one ? "" : "s") \(slots) \(one ? "is" : "are") not endorsed by \(one ? "its custodian" : "their custodians") (a re-key's new key is endorsed only by the custodians given to it), and this user has not seen this vault before; a vault whose key was replaced by someone who can write the file looks the same"
        )
    }

    /// The number of signed re-keys leading from `start` to `end`, or nil when no chain of valid transitions does.
    static func transitionSteps(_ history: [KeyTransition], from start: [UInt8], to end: [UInt8], vaultID: [UInt8]) -> Int? {
        var current = start
        var steps = 0
        // Each step must be signed by the key it leaves; the history is in the order written, so one pass suffices.
        for t in history where t.previous == current {
            let message = KeyTransition.message(vaultID: vaultID, previous: t.previous, next: t.next, time: t.time)
            guard Ed25519.verify(t.signature, of: message, publicKey: t.previous) else { continue }
            current = t.next
            steps += 1
            if current == end { return steps }
        }
        return nil
    }

    /// The endorsements the vault should hold after this custodian endorses: the ones that still name a slot, with a
    /// new one for each opened slot this process can endorse and that lacks a valid one; nil when nothing changes.
    /// Whether ``updatedEndorsements()`` has anything to add or drop, found without making a proof (an RSA or EC
    /// signature costs milliseconds, and the write that adds them makes them again under its lock).
    var lacksEndorsements: Bool {
        let slots = vault.header.slots
        let digests = Set(slots.map(\.digest))
        let kept = vault.header.extensions.endorsements
        if kept.contains(where: { !digests.contains($0.slotDigest) }) { return true }
        return openedSlots.contains { index in
            guard endorsers[index] != nil else { return false }
            guard let existing = kept.first(where: { $0.slotDigest == slots[index].digest }) else { return true }
            return !endorsementChecks(existing, slot: index)
        }
    }

    func updatedEndorsements() throws -> [SlotEndorsement]? {
        let slots = vault.header.slots
        let digests = slots.map(\.digest)
        var out = vault.header.extensions.endorsements.filter { digests.contains($0.slotDigest) }
        var changed = out.count != vault.header.extensions.endorsements.count
        for index in openedSlots {
            guard let endorser = endorsers[index] else { continue }
            if let existing = out.firstIndex(where: { $0.slotDigest == digests[index] }) {
                if endorsementChecks(out[existing], slot: index) { continue }
                out.remove(at: existing)
            }
            out.append(SlotEndorsement(slotDigest: digests[index], proof: try endorser.proof(endorsementMessage(for: slots[index]))))
            changed = true
        }
        return changed ? out : nil
    }

    /// The signed step from this key to `newKey`, for a re-key.
    func transition(to newKey: SecretBytes, at time: Timestamp) throws -> KeyTransition {
        let old = try Self.commitmentKeyPair(of: vaultKey)
        let next = try Self.commitmentKeyPair(of: newKey).publicKey
        let message = KeyTransition.message(vaultID: vault.header.identity.id, previous: old.publicKey, next: next, time: time)
        return KeyTransition(previous: old.publicKey, next: next, time: time, signature: Ed25519.sign(message, secret: old.secret))
    }
}

extension UnlockedVault {
    /// Throws unless something vouches for this key (``vouch(pinned:)``, with `credentials`' pins) or the operator
    /// vouched for it (``Credentials/vouchForKey``). Every write checks this before it changes anything.
    ///
    /// - Parameter credentials: the pins and the operator's decision.
    /// - Returns: what vouches for the key.
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the key contradicts an endorsement or the pin;
    ///   ``KeyVaultError/Code-swift.struct/unvouchedKey`` when nothing vouches for it.
    @discardableResult
    public func requireVouched(_ credentials: Credentials) throws -> KeyVouch {
        var v = vouch(pinned: credentials.keyPins?.pinnedKey(ofVaultID: vault.id))
        // A key this very process made or saw vouched (a program that creates a vault, then seals into it).
        if case .unvouched = v, KnownKeys.commitment(ofVaultID: vault.id) == keyCommitment { v = .pinned }
        if v.isVouched || credentials.vouchForKey { return v }
        switch v {
        case .contradicted(let why):
            throw KeyVaultError(.damaged, "refused: \(why); nothing was written", remedy: .overrideContradiction(keyFingerprint))
        default:
            throw KeyVaultError(
                .unvouchedKey, "refused: \(v.problem ?? "nothing vouches for this vault's key"); nothing was written",
                remedy: .checkKeyFingerprint(keyFingerprint))
        }
    }
}

/// The vault keys this process made (``Vault/create(atPath:custodians:threshold:keyPins:endorsers:formatVersion:)``, re-keys) or wrote under
/// after something vouched for them: a pin that lasts as long as the process, so that a program that creates a vault
/// and seals into it needs no state on disk.
enum KnownKeys {
    /// A list, not a dictionary keyed by vault id: a process works with a few vaults, and a dictionary keyed by
    /// strings makes the runtime look `String: Hashable` up among every conformance in the binary on its first use
    /// (258,000 instructions of a whole command).
    private static let table = Locked<[(id: String, commitment: [UInt8])]>([])

    static func remember(_ commitment: [UInt8], vaultID: String) {
        table.withLock { table in
            if let i = table.firstIndex(where: { $0.id == vaultID }) { table[i].commitment = commitment } else { table.append((vaultID, commitment)) }
        }
    }

    static func commitment(ofVaultID id: String) -> [UInt8]? { table.withLock { $0.last { $0.id == id }?.commitment } }

    /// Forgets a vault's key, as a new process would not know it (tests).
    static func forget(vaultID id: String) { table.withLock { $0.removeAll { $0.id == id } } }
}
