// Custodian check-ins through the library: a lone custodian of a threshold vault proves its share against the vault
// key's commitment, a replaced share is named, pending check-ins are folded in by the next write, and reviews flag
// custodians who have not proved anything for too long.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct CheckInTests {
    let day: UInt64 = 86_400

    struct ThresholdVault {
        let path: String
        let alice: CustodianIdentity, bob: CustodianIdentity, carol: CustodianIdentity
        var pending: String { path + ".checkins" }
    }

    /// A 2-of-3 vault of three X25519 custodians, as a new process would see it (the key this process made is forgotten).
    func thresholdVault() throws -> ThresholdVault {
        let dir = try CustodianSupport.temporaryDirectory()
        let ids = try (0..<3).map { _ in try CustodianIdentity.generate() }
        let vault = try Vault.create(atPath: "\(dir)/v.kv", custodians: ids.map { .recipient($0.recipient!) }, threshold: 2)
        KnownKeys.forget(vaultID: vault.id)
        return ThresholdVault(path: "\(dir)/v.kv", alice: ids[0], bob: ids[1], carol: ids[2])
    }

    /// Credentials that vouch for the key the way a custodian who checked its fingerprint does.
    func vouched(_ identities: [CustodianIdentity]) -> Credentials {
        var c = Credentials(identities: identities)
        c.vouchForKey = true
        return c
    }

    func code(_ body: () throws -> Void) -> (KeyVaultError.Code, String)? {
        do { try body(); return nil } catch let e as KeyVaultError { return (e.code, e.message) } catch { return (.io, "\(error)") }
    }

    @Test func aLoneCustodianOfAThresholdVaultChecksInAndTheNextWriteTakesItIn() throws {
        let v = try thresholdVault()
        let before = try TestFiles.bytes(v.path)
        let vault = try Vault.open(atPath: v.path)
        #expect(vault.header.extensions.commitments?.slots.count == 3)
        #expect(vault.checkInStatus().allSatisfy { $0.baseline != nil && $0.lastCheckIn == nil })

        let result = try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]))
        #expect(!result.isRecordedInVault && result.custodian.slotNumber == 1)
        // The vault is not written (a custodian alone cannot); the check-in waits beside it, 0600, one line.
        #expect(try TestFiles.bytes(v.path) == before)
        let lines = try TestFiles.text(v.pending).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("kvci1 \(vault.id) "))
        #expect(try FileManager.default.attributesOfItem(atPath: v.pending)[.posixPermissions] as? Int == 0o600)
        let status = try Vault.open(atPath: v.path).checkInStatus()
        #expect(status[0].lastCheckIn == result.time && status[0].isPending)
        #expect(status[1].lastCheckIn == nil && status[2].lastCheckIn == nil)

        // The next write by enough custodians takes it in, with an audit record, and removes the file.
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")), atPath: v.path,
            credentials: vouched([v.bob, v.carol]))
        #expect(!FileManager.default.fileExists(atPath: v.pending))
        let after = try Vault.open(atPath: v.path)
        #expect(after.header.extensions.checkIns.count == 1)
        #expect(after.checkInStatus()[0].lastCheckIn == result.time && !after.checkInStatus()[0].isPending)
        let log = try after.unlock(with: Credentials(identities: [v.bob, v.carol])).auditLog()
        #expect(log.isIntact)
        #expect(log.records.contains { $0.action == .checkIn && $0.outcome.contains("slot 1 checked in alone") })
    }

    @Test func aReplacedShareIsNamedByTheCheckAndByUnlocking() throws {
        let v = try thresholdVault()
        // Someone who can write the file wraps a share of their own to bob's public key, in bob's slot; the checksum is
        // right, the vault tag (which needs the vault key) is not.
        let vault = try Vault.open(atPath: v.path)
        let h = vault.header
        // This user knows the vault's key (it pinned it): the key's own commitments may name a bad share.
        let pins = SeenVaults(directory: try CustodianSupport.temporaryDirectory() + "/seen")
        try pins.pin(h.extensions.commitments!.keyCommitment, vaultID: vault.id)
        var share = [UInt8](repeating: 0, count: 33)
        share[0] = 2
        for i in 1..<33 { share[i] = UInt8.random(in: 0...255) }
        let forged = try X25519Recipient(publicKey: v.bob.recipient!.publicKey).wrap(try SecretBytes(copying: share), context: h.slotContext)
        var slots = h.slots
        slots[1] = forged
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: slots, records: [], extensions: h.extensions, tagKey: try SecretBytes.random(count: 32))
        try Data(header.encoded).write(to: URL(fileURLWithPath: v.path))
        let bobID = try Vault.open(atPath: v.path).custodians[1].id

        let check = code { try Vault.checkIn(atPath: v.path, credentials: vouched([v.bob])) }
        #expect(check?.0 == .damaged)
        #expect(
            check?.1
                == "custodian \(bobID) (slot 2): its secret opens its slot, but the vault key committed to other bytes in that place: the slot was replaced (perhaps put back from an older copy) or corrupted, and its share would give a wrong vault key; replace the custodian ('keyvault custodian remove', then 'add') with enough others"
        )
        #expect(!FileManager.default.fileExists(atPath: v.pending))
        var pinned = Credentials(identities: [v.alice, v.bob])
        pinned.keyPins = pins
        let unlock = code { _ = try Vault.open(atPath: v.path).unlock(with: pinned) }
        #expect(unlock?.0 == .damaged)
        #expect(
            unlock?.1.hasPrefix(
                "vault damaged or tampered with: the shares combine into a key that opens nothing, and the share in slot 2 (custodian \(bobID)) is not what the vault key committed to"
            ) == true, "\(String(describing: unlock))")
        // Alice's own slot is intact, and her check says so, naming the slot that is not.
        let alice = code { try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice])) }
        #expect(alice?.0 == .damaged)
        #expect(
            alice?.1.hasSuffix("own slot and share are the ones the vault key committed to, but slot 2 is not: replaced (perhaps put back from an older copy) or corrupted; nothing was recorded")
                == true)
    }

    @Test func aReviewFlagsCustodiansWhoHaveNotProvedAnythingForTooLong() throws {
        let v = try thresholdVault()
        let now = Timestamp.now()
        let old = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 200 * day)
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]), at: old)
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.bob]), at: now)
        let vault = try Vault.open(atPath: v.path)
        let ids = vault.custodians.map(\.id)
        // Carol never checked in, but her slot was made today: within the age.
        let today = vault.reviewCheckIns(maxAgeDays: 180, now: now)
        #expect(
            today.problems == [
                "custodian \(ids[0]) (slot 1) last checked in 200 days ago (\(old.iso8601), pending): check it with 'keyvault custodian check' and its secret"
            ])
        #expect(today.notes.isEmpty)
        // 181 days on: bob's check-in is 181 days old, carol's slot as old; nobody proved within 180 days.
        let later = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 181 * day)
        let review = vault.reviewCheckIns(maxAgeDays: 180, now: later)
        #expect(review.problems.count == 4)
        #expect(review.problems[0] == "only 0 of the 2 custodians this vault needs have proved within 180 days that their secrets open the vault")
        #expect(
            review.problems[3]
                == "custodian \(ids[2]) (slot 3) has not checked in for 181 days (since \(vault.checkInStatus()[2].baseline!.iso8601)): check it with 'keyvault custodian check' and its secret"
        )
        // A newer check-in replaces an older one of the same slot.
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]), at: now)
        #expect(try Vault.open(atPath: v.path).checkInStatus()[0].lastCheckIn == now)
    }

    @Test func withoutAThresholdTheCheckInGoesIntoTheVaultAndItsLog() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let alice = try CustodianIdentity.generate()
        let passphrase = try CustodianSupport.secret("check-in passphrase 1")
        try Vault.create(
            atPath: "\(dir)/v.kv", custodians: [.passphrase(passphrase, try KDFParameters(opsLimit: 1, memLimitKiB: 8)), .recipient(alice.recipient!)])
        let result = try Vault.checkIn(atPath: "\(dir)/v.kv", credentials: Credentials(passphrase: passphrase))
        #expect(result.isRecordedInVault && result.custodian.kind == .passphrase && result.vouch == .passphrase)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/v.kv.checkins"))
        let vault = try Vault.open(atPath: "\(dir)/v.kv")
        #expect(vault.checkInStatus()[0].lastCheckIn == result.time && !vault.checkInStatus()[0].isPending)
        let log = try vault.unlock(with: Credentials(identities: [alice])).auditLog()
        #expect(log.isIntact && log.records.last?.action == .checkIn)
        // A secret that is no custodian's opens nothing, and nothing is written.
        let bytes = try TestFiles.bytes("\(dir)/v.kv")
        let wrong = code { try Vault.checkIn(atPath: "\(dir)/v.kv", credentials: Credentials(identities: [try CustodianIdentity.generate()])) }
        #expect(wrong?.0 == .unlockFailed)
        #expect(wrong?.1 == "the secret given opens none of this vault's slots: it is not the secret of any of its custodians ('keyvault custodian list' shows them)")
        #expect(try TestFiles.bytes("\(dir)/v.kv") == bytes)
    }

    @Test func linesThatAreNotValidCheckInsCountForNothingAndTheNextWriteDropsThem() throws {
        let v = try thresholdVault()
        let vault = try Vault.open(atPath: v.path)
        let digest = vault.header.slots[0].digest.hexString
        let forged = "kvci1 \(vault.id) \(digest) \(Timestamp.now().secondsSinceEpoch) \(Array("mallory@x".utf8).hexString) \(String(repeating: "ab", count: 64))\n"
        let otherVault = "kvci1 \(String(repeating: "00", count: 16)) \(digest) 1 61 \(String(repeating: "ab", count: 64))\n"
        try (forged + otherVault + "not a check-in\n").write(toFile: v.pending, atomically: true, encoding: .utf8)
        #expect(vault.checkInStatus().allSatisfy { $0.lastCheckIn == nil })
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")), atPath: v.path,
            credentials: vouched([v.alice, v.bob]))
        #expect(!FileManager.default.fileExists(atPath: v.pending))
        #expect(try Vault.open(atPath: v.path).header.extensions.checkIns.isEmpty)
    }

    @Test func aThresholdVaultWithoutCommitmentsIsRefusedUntilItsNextRekey() throws {
        let v = try thresholdVault()
        // A vault as an earlier keyvault wrote it: no commitments.
        let vault = try Vault.open(atPath: v.path)
        let unlocked = try vault.unlock(with: Credentials(identities: [v.alice, v.bob]))
        var area = vault.header.extensions
        area.commitments = nil
        let h = vault.header
        let header = VaultHeader.encode(identity: h.identity, threshold: h.threshold, slots: h.slots, records: [], extensions: area, tagKey: unlocked.tagKey)
        try Data(header.encoded).write(to: URL(fileURLWithPath: v.path))
        let bytes = try TestFiles.bytes(v.path)
        let refused = code { try Vault.checkIn(atPath: v.path, credentials: vouched([v.carol])) }
        #expect(refused?.0 == .notCommitted)
        #expect(
            refused?.1.hasSuffix(
                "opens its slot, but the vault holds no commitment to its share to check it against (written before check-ins, or its custodians were changed by an older keyvault); a drill this custodian unlocks, or 'keyvault rekey' with enough custodians, makes one"
            ) == true)
        #expect(try TestFiles.bytes(v.path) == bytes && !FileManager.default.fileExists(atPath: v.pending))
        #expect(try Vault.open(atPath: v.path).reviewCheckIns(maxAgeDays: 180).notes.count == 3)
        try Vault.rekey(atPath: v.path, credentials: vouched([v.alice, v.bob]))
        #expect(try Vault.checkIn(atPath: v.path, credentials: vouched([v.carol])).custodian.slotNumber == 3)
    }

    @Test func aCommitmentIsTrustedThroughAPinAnEndorsementOrTheOperatorOnly() throws {
        let v = try thresholdVault()
        let refused = code { try Vault.checkIn(atPath: v.path, credentials: Credentials(identities: [v.alice])) }
        #expect(refused?.0 == .unvouchedKey)
        #expect(refused?.1.hasPrefix("refused: nothing ties the key that committed to custodian") == true)
        #expect(!FileManager.default.fileExists(atPath: v.pending))
        // A custodian who endorsed its slot (here at creation) needs nobody's word.
        let dir = try CustodianSupport.temporaryDirectory()
        let (a, b) = (try CustodianIdentity.generate(), try CustodianIdentity.generate())
        let vault = try Vault.create(atPath: "\(dir)/e.kv", custodians: [.recipient(a.recipient!), .recipient(b.recipient!)], threshold: 2, endorsers: [a])
        KnownKeys.forget(vaultID: vault.id)
        #expect(try Vault.checkIn(atPath: "\(dir)/e.kv", credentials: Credentials(identities: [a])).vouch == .endorsed(slot: 1))
        // This user's pin: after one vouched check, the next needs no --endorse.
        let pins = SeenVaults(directory: try CustodianSupport.temporaryDirectory() + "/seen")
        var first = vouched([v.bob])
        first.keyPins = pins
        try Vault.checkIn(atPath: v.path, credentials: first)
        var second = Credentials(identities: [v.bob])
        second.keyPins = pins
        #expect(try Vault.checkIn(atPath: v.path, credentials: second).vouch == .pinned)
    }

    @Test func aCheckInDatedAheadOfTheClockCountsForNothingAndBreaksNothing() throws {
        let v = try thresholdVault()
        let far = Timestamp(secondsSinceEpoch: (1 << 63) + 5)
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]), at: far)
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.bob]), at: Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 30 * day))
        let status = try Vault.open(atPath: v.path).checkInStatus()
        #expect(status[0].lastCheckIn == nil && status[1].lastCheckIn == nil)
        #expect(status.allSatisfy { $0.daysSinceLastProof() == 0 })
        // The next write takes neither in; a real check-in afterwards counts.
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")), atPath: v.path,
            credentials: vouched([v.bob, v.carol]))
        #expect(try Vault.open(atPath: v.path).header.extensions.checkIns.isEmpty)
        let real = try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]))
        #expect(try Vault.open(atPath: v.path).checkInStatus()[0].lastCheckIn == real.time)
    }

    @Test func aSlotPutBackFromAnOlderCopyIsNamed() throws {
        let v = try thresholdVault()
        let oldSlots = try Vault.open(atPath: v.path).header.slots
        // A custodian change splits the same vault key again: the old slot 3 and the new set are both signed by it.
        let dave = try CustodianIdentity.generate()
        try Vault.addCustodians([.recipient(dave.recipient!)], atPath: v.path, credentials: vouched([v.alice, v.bob]))
        let vault = try Vault.open(atPath: v.path)
        let h = vault.header
        var slots = h.slots
        slots[2] = oldSlots[2]
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: slots, records: [], extensions: h.extensions, tagKey: try SecretBytes.random(count: 32))
        try Data(header.encoded).write(to: URL(fileURLWithPath: v.path))
        let check = code { try Vault.checkIn(atPath: v.path, credentials: vouched([v.carol])) }
        #expect(check?.0 == .damaged)
        #expect(check?.1.contains("(slot 3): its secret opens its slot, but the vault key committed to other bytes in that place") == true, "\(String(describing: check))")
        #expect(!FileManager.default.fileExists(atPath: v.pending))
    }

    @Test func aForgedCommitmentSetBlamesNoShareThatWorks() throws {
        let v = try thresholdVault()
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")), atPath: v.path,
            credentials: vouched([v.alice, v.bob]))
        // Someone who can write the file signs a set of their own with random check keys (checksum right, tag not).
        let vault = try Vault.open(atPath: v.path)
        let h = vault.header
        var area = h.extensions
        let forgedKey = try SecretBytes.random(count: 32)
        area.commitments = try SlotCommitments.make(
            slots: h.slots.map { .init(digest: $0.digest, checkKey: (0..<32).map { _ in UInt8.random(in: 1...255) }, since: .now()) },
            vaultID: h.identity.id, vaultKey: forgedKey, time: .now())
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: h.slots, records: h.allRecords(), extensions: area, tagKey: try SecretBytes.random(count: 32))
        let all = try TestFiles.bytes(v.path)
        try Data(header.encoded + all[h.size...]).write(to: URL(fileURLWithPath: v.path))
        // The shares are right (the key opens the entry): no custodian is blamed; the header fails authentication.
        let unlocked = try Vault.open(atPath: v.path).unlock(with: Credentials(identities: [v.alice, v.bob]))
        #expect(!unlocked.isAuthentic && unlocked.opensSomething)
        // This user pinned the real key: a set by another key is refused before its check keys are believed.
        let pins = SeenVaults(directory: try CustodianSupport.temporaryDirectory() + "/seen")
        try pins.pin(try UnlockedVault.commitmentKeyPair(of: unlocked.vaultKey).publicKey, vaultID: vault.id)
        var credentials = Credentials(identities: [v.carol])
        credentials.keyPins = pins
        let check = code { try Vault.checkIn(atPath: v.path, credentials: credentials) }
        #expect(check?.0 == .damaged && check?.1.hasPrefix("refused: the commitment to custodian") == true, "\(String(describing: check))")
    }

    @Test func aReKeyCarriesEachCustodiansLastProofOver() throws {
        let v = try thresholdVault()
        let now = Timestamp.now()
        let old = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 300 * day)
        // A vault whose custodians' ages count from 300 days ago (made then), with carol's check-in 200 days ago.
        let made = try Vault.open(atPath: v.path)
        let unlocked = try made.unlock(with: Credentials(identities: [v.alice, v.bob]))
        var area = made.header.extensions
        area.commitments = try SlotCommitments.make(
            slots: area.commitments!.slots.map { .init(digest: $0.digest, checkKey: $0.checkKey, since: old) }, vaultID: made.header.identity.id,
            vaultKey: unlocked.vaultKey, time: old)
        let h = made.header
        try Data(VaultHeader.encode(identity: h.identity, threshold: h.threshold, slots: h.slots, records: [], extensions: area, tagKey: unlocked.tagKey).encoded)
            .write(to: URL(fileURLWithPath: v.path))
        let checked = Timestamp(secondsSinceEpoch: now.secondsSinceEpoch - 200 * day)
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.carol]), at: checked)
        // The re-key (by alice and bob, who prove themselves by it) takes carol's check-in in, then makes new slots.
        try Vault.rekey(atPath: v.path, credentials: vouched([v.alice, v.bob]))
        let vault = try Vault.open(atPath: v.path)
        let status = vault.checkInStatus()
        #expect(status[2].baseline == checked && status[2].lastCheckIn == nil)
        #expect(status[0].baseline! >= now && status[1].baseline! >= now)
        #expect(vault.reviewCheckIns(maxAgeDays: 180).problems.count == 1)
    }

    @Test func thePendingFileIsNeverAFIFOAndACutLineDoesNotSwallowTheNext() throws {
        let v = try thresholdVault()
        #expect(mkfifo(v.pending, 0o600) == 0)
        let fifo = code { try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice])) }
        #expect(fifo?.0 == .io, "\(String(describing: fifo))")
        try FileManager.default.removeItem(atPath: v.pending)
        try "kvci1 0123".write(toFile: v.pending, atomically: false, encoding: .utf8)
        let result = try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]))
        #expect(try TestFiles.text(v.pending).split(separator: "\n").count == 2)
        #expect(try Vault.open(atPath: v.path).checkInStatus()[0].lastCheckIn == result.time)
    }

    /// Re-signs the vault's commitment set with a key of the file writer's own (what anyone can copy: digests and
    /// check keys), fixing the checksum; the vault tag then fails.
    func resignCommitments(_ path: String, since: Timestamp? = nil, key: SecretBytes? = nil, tagKey: SecretBytes? = nil) throws {
        let vault = try Vault.open(atPath: path)
        let h = vault.header
        var area = h.extensions
        area.commitments = try SlotCommitments.make(
            slots: area.commitments!.slots.map { .init(digest: $0.digest, checkKey: $0.checkKey, since: since ?? $0.since) }, vaultID: h.identity.id,
            vaultKey: try key ?? SecretBytes.random(count: 32), time: .now())
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: h.slots, records: h.allRecords(), extensions: area,
            tagKey: try tagKey ?? SecretBytes.random(count: 32))
        let all = try TestFiles.bytes(path)
        try Data(header.encoded + all[h.size...]).write(to: URL(fileURLWithPath: path))
    }

    @Test func thePassphraseOfAThresholdVaultVouchesForNoCommitment() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let (alice, bob) = (try CustodianIdentity.generate(), try CustodianIdentity.generate())
        let passphrase = try CustodianSupport.secret("threshold passphrase 1")
        let vault = try Vault.create(
            atPath: "\(dir)/v.kv", custodians: [.passphrase(passphrase, try KDFParameters(opsLimit: 1, memLimitKiB: 8)), .recipient(alice.recipient!), .recipient(bob.recipient!)],
            threshold: 2)
        KnownKeys.forget(vaultID: vault.id)
        try resignCommitments("\(dir)/v.kv")
        // Its slot holds a share: opening it says nothing about who signed the set, so nothing vouches here.
        let check = code { try Vault.checkIn(atPath: "\(dir)/v.kv", credentials: Credentials(passphrase: passphrase)) }
        #expect(check?.0 == .unvouchedKey, "\(String(describing: check))")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/v.kv.checkins"))
    }

    @Test func aBaselineAheadOfTheClockIsAProblemNotAFreshCustodian() throws {
        let v = try thresholdVault()
        let made = try Vault.open(atPath: v.path)
        let unlocked = try made.unlock(with: Credentials(identities: [v.alice, v.bob]))
        // A writer whose clock was ten years ahead.
        try resignCommitments(
            v.path, since: Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 3650 * day), key: unlocked.vaultKey, tagKey: unlocked.tagKey)
        let review = try Vault.open(atPath: v.path).reviewCheckIns(maxAgeDays: 180)
        #expect(review.problems.count == 4, "\(review.problems)")
        #expect(review.problems[0] == "only 0 of the 2 custodians this vault needs have proved within 180 days that their secrets open the vault")
        #expect(review.problems[1].contains("ahead of this computer's clock"))
    }

    @Test func aDrillThatCannotRecordStillCountsTheCustodiansWhoUnlockedForIt() throws {
        let v = try thresholdVault()
        let unlocked = try Vault.open(atPath: v.path).unlock(with: Credentials(identities: [v.alice, v.carol]))
        let report = unlocked.drill(recording: false)
        #expect(report.custodianCheckIns.map { $0.lastCheckIn != nil } == [true, false, true])
        #expect(report.custodianCheckIns[0].lastCheckIn == report.time)
    }

    @Test func aCheckInAheadOfAWritersClockStaysPendingAndStaleCheckInsAreDropped() throws {
        let v = try thresholdVault()
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.carol]), at: Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch + 3 * day))
        // Section 85 full of check-ins of slots that are gone (kept by a writer that did not know them).
        let made = try Vault.open(atPath: v.path)
        let unlocked = try made.unlock(with: Credentials(identities: [v.alice, v.bob]))
        var area = made.header.extensions
        area.checkIns = (0..<64).map { _ in
            CheckIn(slotDigest: (0..<32).map { _ in UInt8.random(in: 0...255) }, time: .now(), actor: "x@y", signature: [UInt8](repeating: 1, count: 64))
        }
        let h = made.header
        try Data(VaultHeader.encode(identity: h.identity, threshold: h.threshold, slots: h.slots, records: [], extensions: area, tagKey: unlocked.tagKey).encoded)
            .write(to: URL(fileURLWithPath: v.path))
        try Vault.checkIn(atPath: v.path, credentials: vouched([v.alice]))
        _ = try Vault.seal(
            try SecretBytes(copying: Array("key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")), atPath: v.path,
            credentials: vouched([v.alice, v.bob]))
        let after = try Vault.open(atPath: v.path)
        // Alice's check-in was taken in; the 64 stale items are gone; carol's (ahead of this clock) still waits.
        #expect(after.header.extensions.checkIns.count == 1 && after.checkInStatus()[0].lastCheckIn != nil)
        #expect(FileManager.default.fileExists(atPath: v.pending))
    }
}
