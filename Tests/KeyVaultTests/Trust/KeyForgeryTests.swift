// Attack 1 of the trust model, built as someone who can write the vault file but holds no secret would build it:
// a vault key of the attacker's choosing wrapped to the very same public custodians, the audit log chained again,
// checksum and vault tag made again. The real custodians' writes must refuse it.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct KeyForgeryTests {
    /// What the attacker keeps: the key they chose, which decrypts whatever a fooled custodian seals afterwards.
    struct Forgery {
        let key: SecretBytes
    }

    /// Rewrites the vault at `path` under a new key of the attacker's choosing, using only what is in the file.
    /// `endorsements` decides what the forged file says about endorsements: drop them, keep the old items, or claim
    /// the new slots with copied proofs.
    enum Endorsements { case drop, keep, claimNewSlots }

    static func forge(_ path: String, endorsements: Endorsements) throws -> Forgery {
        let vault = try Vault.open(atPath: path)
        let h = vault.header
        let context = h.slotContext
        // Everything the attacker uses is in the file: the public recipients and certificates.
        let sources: [any SlotRecipient] = try h.slots.map { record in
            let slot = try Slot.parse(record, at: 0, context: context)
            guard slot is X25519Slot || slot is CertificateSlot else {
                throw KeyVaultError(.internalError, "the attacker cannot re-make a passphrase slot")
            }
            return try slot!.recipient(rewrapping: Credentials(), verified: false, context: context)
        }
        let key = try SecretBytes.random(count: 32)
        let slots = try SlotBuilder.slots(for: sources, vaultKey: key, context: context).slots
        var area = h.extensions
        area.log = area.log.rechained(key: try KeyDerivation.subkey(.auditLog, of: key))
        switch endorsements {
        case .drop: area.endorsements = []
        case .keep: break
        case .claimNewSlots:
            area.endorsements = zip(slots, h.extensions.endorsements).map { SlotEndorsement(slotDigest: $0.digest, proof: $1.proof) }
        }
        // The entries sealed before stay (undecryptable under the new key); the index and tag are made again.
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: slots, records: h.allRecords(),
            extensions: area, tagKey: try KeyDerivation.subkey(.vaultTag, of: key))
        let all = try TestFiles.bytes(path)
        try Data(header.encoded + all[h.size...]).write(to: URL(fileURLWithPath: path))
        return Forgery(key: key)
    }

    /// Whether the attacker's key opens the newest entry: the proof that a fooled custodian's seal is lost.
    static func attackerReadsNewest(_ path: String, _ forgery: Forgery) throws -> Bool {
        let vault = try Vault.open(atPath: path)
        let unlocked = try UnlockedVault(vault: vault, vaultKey: forgery.key)
        guard let newest = vault.entries.last else { return false }
        return (try? unlocked.open(newest)) != nil
    }

    static func code(_ body: () throws -> Void) -> KeyVaultError.Code? {
        do { try body(); return nil } catch let e as KeyVaultError { return e.code } catch { return .io }
    }

    static func seal(_ path: String, _ host: String, _ credentials: Credentials) throws {
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key of \(host) 0123456789".utf8)), SealRequest(role: .sm, host: try HostName(host)),
            atPath: path, credentials: credentials)
    }

    /// The custodians of one vault kind, with what their identities unlock.
    struct Setup {
        let path: String
        let custodians: [NewCustodian]
        let identities: [CustodianIdentity]
        let threshold: Int?
    }

    static func setup(_ kind: String) throws -> Setup {
        let dir = try CustodianSupport.temporaryDirectory()
        switch kind {
        case "x25519":
            let alice = try CustodianIdentity.generate()
            return Setup(path: "\(dir)/v.kv", custodians: [.recipient(alice.recipient!)], identities: [alice], threshold: nil)
        case "rsa", "p256":
            let (cert, keyPath) = try CustodianSupport.certificate(kind, key: kind == "rsa" ? ["rsa:2048"] : ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], in: dir)
            return Setup(
                path: "\(dir)/v.kv", custodians: [.certificate(try CertificateCustodian.load(fromFile: cert))],
                identities: [try CustodianIdentity.load(fromFile: keyPath, password: CustodianSupport.noPassword)], threshold: nil)
        default:  // "threshold": 2 of 3 X25519 custodians, two of whom act
            let ids = try (0..<3).map { _ in try CustodianIdentity.generate() }
            return Setup(path: "\(dir)/v.kv", custodians: ids.map { .recipient($0.recipient!) }, identities: Array(ids.prefix(2)), threshold: 2)
        }
    }

    static func pins() throws -> SeenVaults { SeenVaults(directory: try CustodianSupport.temporaryDirectory() + "/seen") }

    @Test(arguments: ["x25519", "rsa", "p256", "threshold"])
    func aReWrappedKeyIsRefusedByTheCustodiansWhoUsedTheVault(kind: String) throws {
        let s = try Self.setup(kind)
        let creatorPins = try Self.pins()
        try Vault.create(atPath: s.path, custodians: s.custodians, threshold: s.threshold, keyPins: creatorPins)
        // The creator's first write is vouched for by the pin made at creation, and endorses the custodians' slots.
        var creator = Credentials(identities: s.identities)
        creator.keyPins = creatorPins
        try Self.seal(s.path, "SM01", creator)
        #expect(try Vault.open(atPath: s.path).header.extensions.endorsements.count == s.identities.count)

        for mode in [Endorsements.drop, .keep, .claimNewSlots] {
            let saved = try TestFiles.bytes(s.path)
            let forgery = try Self.forge(s.path, endorsements: mode)
            let forged = try TestFiles.bytes(s.path)
            // The forgery is real: it opens under the custodians' own secrets, authenticates, and its log verifies.
            let opened = try Vault.open(atPath: s.path).unlock(with: Credentials(identities: s.identities))
            #expect(opened.isAuthentic && opened.auditLog().isIntact)

            // The creator (who pinned the key) is refused as for tampering; so is a custodian on a machine that never
            // saw the vault: the endorsement is missing (unvouched) or does not check (contradicted).
            #expect(Self.code { try Self.seal(s.path, "SM02", creator) } == .damaged, "\(kind) \(mode)")
            var elsewhere = Credentials(identities: s.identities)
            elsewhere.keyPins = try Self.pins()
            let expected: KeyVaultError.Code = mode == .claimNewSlots ? .damaged : .unvouchedKey
            #expect(Self.code { try Self.seal(s.path, "SM02", elsewhere) } == expected, "\(kind) \(mode)")
            #expect(Self.code { try Self.seal(s.path, "SM02", Credentials(identities: s.identities)) } == expected, "\(kind) \(mode)")
            // Every other write is refused too, and nothing was written by any of them.
            #expect(Self.code { try Vault.rekey(atPath: s.path, credentials: creator) } == .damaged)
            #expect(Self.code { try Vault.appendRecord(.inventory, outcome: "ok", atPath: s.path, credentials: elsewhere) } == expected)
            #expect(try TestFiles.bytes(s.path) == forged)

            // What the refusal prevents: a custodian who vouches anyway (--endorse) hands the attacker the key.
            var fooled = elsewhere
            fooled.vouchForKey = true
            try Self.seal(s.path, "SM03", fooled)
            #expect(try Self.attackerReadsNewest(s.path, forgery))
            try Data(saved).write(to: URL(fileURLWithPath: s.path))
        }
        // The real vault still works for both.
        try Self.seal(s.path, "SM04", creator)
        var fresh = Credentials(identities: s.identities)
        fresh.keyPins = try Self.pins()
        try Self.seal(s.path, "SM05", fresh)
    }

    @Test func aVaultNeverEndorsedNeedsTheOperatorsDecisionAndThenCarriesIt() throws {
        let s = try Self.setup("x25519")
        // Made by another program: this process does not know the key it made.
        KnownKeys.forget(vaultID: try Vault.create(atPath: s.path, custodians: s.custodians).id)
        var custodian = Credentials(identities: s.identities)
        custodian.keyPins = try Self.pins()
        let before = try TestFiles.bytes(s.path)
        #expect(Self.code { try Self.seal(s.path, "SM01", custodian) } == .unvouchedKey)
        // The library says what happened and what to do, typed; the words for a command line are the front end's.
        do { try Self.seal(s.path, "SM01", custodian) } catch let e as KeyVaultError {
            let fingerprint = try Vault.open(atPath: s.path).unlock(with: custodian).keyFingerprint
            #expect(e.remedy == .checkKeyFingerprint(fingerprint) && !e.message.contains("--") && e.message.hasSuffix("nothing was written"), "\(e)")
        }
        #expect(try TestFiles.bytes(s.path) == before)
        let unlocked = try Vault.open(atPath: s.path).unlock(with: custodian)
        guard case .unvouched = unlocked.vouch(pinned: nil) else { Issue.record("expected unvouched"); return }
        // keyvault upgrade: the operator checked the fingerprint; the slot is endorsed and the key pinned.
        var decided = custodian
        decided.vouchForKey = true
        #expect(try Vault.endorse(atPath: s.path, credentials: decided) == 1)
        #expect(try Vault.endorse(atPath: s.path, credentials: decided) == 0)
        #expect(custodian.keyPins?.pinnedKey(ofVaultID: unlocked.vault.id) == unlocked.keyCommitment)
        #expect(try Vault.open(atPath: s.path).unlock(with: custodian).auditLog().records.last?.action == .endorse)
        // From now on the endorsement vouches, for this user and for one who never saw the vault.
        try Self.seal(s.path, "SM01", custodian)
        #expect(try Vault.open(atPath: s.path).unlock(with: Credentials(identities: s.identities)).vouch(pinned: nil) == .endorsed(slot: 1))
        try Self.seal(s.path, "SM02", Credentials(identities: s.identities))
    }

    /// One custodian of a 2-of-3 vault who can write the file forges it under a key of their own and endorses their own
    /// slot (their secret is all that takes): with another custodian, on a machine that never saw the vault, the
    /// unlock succeeds, and one endorsement vouched for the whole key, so what they sealed was the forger's to read.
    /// Found by an attacker's review; now every opened slot of a threshold vault must be vouched for by its own custodian.
    @Test func oneCustodianOfAThresholdCannotVouchForAKeyAlone() throws {
        let s = try Self.setup("threshold")
        try Vault.create(atPath: s.path, custodians: s.custodians, threshold: 2, keyPins: try Self.pins())
        let (alice, bob) = (s.identities[0], s.identities[1])
        var both = Credentials(identities: [alice, bob])
        both.vouchForKey = true
        try Self.seal(s.path, "SM01", both)
        let forgery = try Self.forge(s.path, endorsements: .drop)
        // Alice endorses her own slot of the forgery: her secret and the key she chose are all it takes. (Bob's secret
        // only lets the test unlock; the proof is made with Alice's endorser alone.)
        let forged = try Vault.open(atPath: s.path)
        let opened = try forged.unlock(with: Credentials(identities: [alice, bob]))
        let slot = forged.header.slots[0]
        let proof = try opened.endorsers[0]!.proof(opened.endorsementMessage(for: slot))
        var area = forged.header.extensions
        area.endorsements = [SlotEndorsement(slotDigest: slot.digest, proof: proof)]
        let header = VaultHeader.encode(
            identity: forged.header.identity, threshold: forged.header.threshold, slots: forged.header.slots,
            records: forged.header.allRecords(), extensions: area, tagKey: try KeyDerivation.subkey(.vaultTag, of: forgery.key))
        try Data(header.encoded + (try TestFiles.bytes(s.path))[forged.header.size...]).write(to: URL(fileURLWithPath: s.path))
        let before = try TestFiles.bytes(s.path)

        let unlocked = try Vault.open(atPath: s.path).unlock(with: Credentials(identities: [alice, bob]))
        guard case .unvouched(let why) = unlocked.vouch(pinned: nil) else {
            Issue.record("vouched for by one custodian's endorsement: \(unlocked.vouch(pinned: nil))")
            return
        }
        #expect(why.hasPrefix("nothing vouches for this vault's key: slot 2 is not endorsed by its custodian"), "\(why)")
        var fresh = Credentials(identities: [alice, bob])
        fresh.keyPins = try Self.pins()
        #expect(Self.code { try Self.seal(s.path, "SM02", fresh) } == .unvouchedKey)
        #expect(try TestFiles.bytes(s.path) == before, "nothing was written")
    }

    @Test func aReKeyIsAcceptedThroughItsSignedTransitionAndAForgedOneIsNot() throws {
        let s = try Self.setup("threshold")
        let alicePins = try Self.pins(), bobPins = try Self.pins()
        try Vault.create(atPath: s.path, custodians: s.custodians, threshold: 2, keyPins: alicePins)
        var alice = Credentials(identities: s.identities)
        alice.keyPins = alicePins
        try Self.seal(s.path, "SM01", alice)
        let oldKey = try Vault.open(atPath: s.path).unlock(with: alice).keyCommitment
        // Bob's machine sees the vault (endorsed) and re-keys it: alice's pin is of the old key.
        var bob = Credentials(identities: s.identities)
        bob.keyPins = bobPins
        try Vault.rekey(atPath: s.path, credentials: bob)
        let rekeyed = try Vault.open(atPath: s.path).unlock(with: alice)
        #expect(rekeyed.keyCommitment != oldKey && alicePins.pinnedKey(ofVaultID: rekeyed.vault.id) == oldKey)
        #expect(rekeyed.vouch(pinned: oldKey) == .pinnedThroughRekey(steps: 1))
        try Self.seal(s.path, "SM02", alice)
        #expect(alicePins.pinnedKey(ofVaultID: rekeyed.vault.id) == rekeyed.keyCommitment)

        // A forged transition (the attacker cannot sign with the old key) leads nowhere.
        let dir = try CustodianSupport.temporaryDirectory()
        try Data(try TestFiles.bytes(s.path)).write(to: URL(fileURLWithPath: "\(dir)/copy.kv"))
        let forgery = try Self.forge("\(dir)/copy.kv", endorsements: .drop)
        let vault = try Vault.open(atPath: "\(dir)/copy.kv")
        var area = vault.header.extensions
        let next = try UnlockedVault.commitmentKeyPair(of: forgery.key).publicKey
        area.keyHistory.append(KeyTransition(previous: rekeyed.keyCommitment, next: next, time: .now(), signature: Array(repeating: 7, count: 64)))
        let header = VaultHeader.encode(
            identity: vault.header.identity, threshold: vault.header.threshold, slots: vault.header.slots,
            records: vault.header.allRecords(), extensions: area, tagKey: try KeyDerivation.subkey(.vaultTag, of: forgery.key))
        try Data(header.encoded + (try TestFiles.bytes("\(dir)/copy.kv"))[vault.header.size...]).write(to: URL(fileURLWithPath: "\(dir)/copy.kv"))
        let opened = try Vault.open(atPath: "\(dir)/copy.kv").unlock(with: alice)
        guard case .contradicted = opened.vouch(pinned: rekeyed.keyCommitment) else { Issue.record("a forged transition was accepted"); return }
        #expect(Self.code { try Self.seal("\(dir)/copy.kv", "SM03", alice) } == .damaged)
    }

    /// The review's race: the vault is read and vouched for, then a forgery is renamed into place before the writer
    /// takes its lock. The writer re-reads under the lock and must not write under the key it finds there.
    @Test func aForgerySwappedInAfterTheUnlockIsNotWrittenUnder() throws {
        let s = try Self.setup("x25519")
        let pins = try Self.pins()
        try Vault.create(atPath: s.path, custodians: s.custodians, keyPins: pins, endorsers: s.identities)
        var alice = Credentials(identities: s.identities)
        alice.keyPins = pins
        try Self.seal(s.path, "SM01", alice)
        let genuine = try Vault.open(atPath: s.path)  // read (and, in seal, vouched for) before the swap
        let dir = try CustodianSupport.temporaryDirectory()
        try Data(try TestFiles.bytes(s.path)).write(to: URL(fileURLWithPath: "\(dir)/forged.kv"))
        let forgery = try Self.forge("\(dir)/forged.kv", endorsements: .drop)
        #expect(rename("\(dir)/forged.kv", s.path) == 0)
        let forged = try TestFiles.bytes(s.path)
        do {
            _ = try genuine.seal(try SecretBytes(copying: Array("the DW01 key 0123456789".utf8)), SealRequest(role: .dw, host: try HostName("DW01")), credentials: alice)
            Issue.record("the seal went through under the swapped-in key")
        } catch let e as KeyVaultError {
            #expect(e.code == .io && e.message.contains("the vault's key changed while this command ran"), "\(e)")
        }
        #expect(try TestFiles.bytes(s.path) == forged)
        #expect(!(try Self.attackerReadsNewest(s.path, forgery)))
        // Nothing of the forgery was pinned or endorsed.
        #expect(pins.pinnedKey(ofVaultID: genuine.id) == (try genuine.unlock(with: alice).keyCommitment))
        #expect(Self.code { try Self.seal(s.path, "SM02", alice) } == .damaged)
    }
}
