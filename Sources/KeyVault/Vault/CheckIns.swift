// Custodian check-ins: one custodian proves, without the rest of a threshold, that its secret still opens its own
// slot and that the share inside is the one the vault key was split into (docs/FORMAT.md, "Slot commitments and
// check-ins"); drills and `custodian list` show who has not done so lately.

/// The Ed25519 key pair a slot's payload gives: only a holder of the payload (the vault key, or this slot's share)
/// can derive it, and the vault key's commitment to its public half lets a custodian alone check its share.
struct CheckKey: @unchecked Sendable {
    let secret: SecretBytes
    let publicKey: [UInt8]

    /// seed = H_payload("keyvault check key 1" ‖ vault_id ‖ slot digest).
    static func derive(payload: SecretBytes, vaultID: [UInt8], slotDigest: [UInt8]) throws -> CheckKey {
        let seed = try Hashing.blake2bSecret(Array("keyvault check key 1".utf8) + vaultID + slotDigest, key: payload)
        let pair = try Ed25519.keyPair(seed: seed)
        return CheckKey(secret: pair.secret, publicKey: pair.publicKey)
    }

    /// This slot's check-in at `time` by `actor`, signed.
    func checkIn(slotDigest: [UInt8], vaultID: [UInt8], time: Timestamp, actor: AuditActor) -> CheckIn {
        let who = AuditActor.clean("\(actor.user)@\(actor.machine)", CheckIn.maxActorCount)
        let message = CheckIn.message(vaultID: vaultID, slotDigest: slotDigest, time: time, actor: who)
        return CheckIn(slotDigest: slotDigest, time: time, actor: who, signature: Ed25519.sign(message, secret: secret))
    }
}

/// How far a check-in's time may be ahead of the reader's clock (clocks differ); one further ahead counts for nothing.
let checkInClockAllowance: UInt64 = 86_400

extension SlotCommitments {
    /// The set for `slots` (digests in order), signed by the vault key's commitment secret.
    static func make(slots: [Slot], vaultID: [UInt8], vaultKey: SecretBytes, time: Timestamp) throws -> SlotCommitments {
        let pair = try UnlockedVault.commitmentKeyPair(of: vaultKey)
        let message = message(vaultID: vaultID, keyCommitment: pair.publicKey, time: time, slots: slots)
        return SlotCommitments(keyCommitment: pair.publicKey, time: time, slots: slots, signature: Ed25519.sign(message, secret: pair.secret))
    }

    /// The entry for the slot with `digest`, if the set names it.
    func entry(for digest: [UInt8]) -> Slot? { slots.first { $0.digest == digest } }
}

extension ExtensionArea {
    /// The commitment set when its signature checks and it names exactly `slots`, in order (under `keyCommitment`,
    /// when given: the key a writer or an authenticated reader holds); nil otherwise.
    func currentCommitments(for slots: [SlotRecord], vaultID: [UInt8], under keyCommitment: [UInt8]? = nil) -> SlotCommitments? {
        guard let c = commitments, keyCommitment.map({ $0 == c.keyCommitment }) ?? true, c.covers(slots.map(\.digest)), c.isSigned(vaultID: vaultID)
        else { return nil }
        return c
    }

    /// Whether the commitment set says slot `index` should hold something else: it names the same slots but that one
    /// (the slot was replaced), or that slot with another check key (its share is not the one committed to).
    func shareLooksWrong(slot index: Int, checkKey: CheckKey, slots: [SlotRecord], vaultID: [UInt8]) -> Bool {
        guard let set = commitments, set.slots.count == slots.count, set.isSigned(vaultID: vaultID) else { return false }
        let digests = slots.map(\.digest)
        let differing = digests.indices.filter { set.slots[$0].digest != digests[$0] }
        if differing == [index] { return true }
        guard differing.isEmpty, let committed = set.slots[index].checkKey else { return false }
        return committed != checkKey.publicKey
    }

    /// Keeps the check-ins that name one of `slots`.
    mutating func keepCheckIns(for slots: [SlotRecord]) {
        let digests = Set(slots.map(\.digest))
        checkIns.removeAll { !digests.contains($0.slotDigest) }
    }

    /// Puts `checkIn` in place of an older one of the same slot (or of one dated past `now`'s allowance); false when
    /// the vault holds this one or a newer one.
    @discardableResult
    mutating func record(_ checkIn: CheckIn, now: Timestamp = .now()) -> Bool {
        if let i = checkIns.firstIndex(where: { $0.slotDigest == checkIn.slotDigest }) {
            let kept = checkIns[i].time
            guard kept < checkIn.time || kept.secondsSinceEpoch > now.secondsSinceEpoch &+ checkInClockAllowance else { return false }
            checkIns[i] = checkIn
        } else {
            checkIns.append(checkIn)
        }
        return true
    }

    /// For each custodian of `slots` (by ``CustodianSlot/sameness``), when its check-in age starts after its slots are
    /// made again (a re-key, a new threshold): `now` for those who opened a slot for this write, else its newest valid
    /// check-in or its baseline in the current commitment set, whichever is later. A custodian of `slots` the set says
    /// nothing about (no current set) starts at `unknownSince` (the vault's creation): nothing ever proved it. A new
    /// custodian, not among `slots`, is not in the result: the caller starts it at `now`.
    func baselines(
        of slots: [SlotRecord], context: SlotContext, opened: [Int], keyCommitment: [UInt8], now: Timestamp, unknownSince: Timestamp
    ) -> [String: Timestamp] {
        let vaultID = context.identity.id
        let set = currentCommitments(for: slots, vaultID: vaultID, under: keyCommitment)
        var out: [String: Timestamp] = [:]
        for (index, record) in slots.enumerated() {
            guard let slot = try? Slot.parse(record, at: 0, context: context) else { continue }
            if opened.contains(index) {
                out[slot.sameness] = now
                continue
            }
            guard let entry = set?.slots[index] else {
                out[slot.sameness] = min(unknownSince, now)
                continue
            }
            var since = entry.since
            if let key = entry.checkKey, let c = checkIns.first(where: { $0.slotDigest == record.digest }),
                c.time.secondsSinceEpoch <= now.secondsSinceEpoch &+ checkInClockAllowance, c.time > since, c.isSigned(vaultID: vaultID, checkKey: key)
            {
                since = c.time
            }
            out[slot.sameness] = min(since, now)
        }
        return out
    }

    /// Makes the commitment set name `slots` again after an authenticated write changed nothing in them but found the
    /// set missing, stale, or without the check key of a slot this unlock opened: check keys this unlock derived, and
    /// those the old set held for the same slot bytes (the header was authenticated under this key); baselines
    /// carried by slot bytes, or `now`.
    mutating func refreshCommitments(for slots: [SlotRecord], by unlocked: UnlockedVault, now: Timestamp) throws {
        guard unlocked.isAuthentic else { return }
        let vaultID = unlocked.vault.header.identity.id
        let current = currentCommitments(for: slots, vaultID: vaultID, under: unlocked.keyCommitment)
        let opened = unlocked.openedSlots.filter { $0 < slots.count && slots[$0] == unlocked.vault.header.slots[$0] }
        if let current, opened.allSatisfy({ current.slots[$0].checkKey == unlocked.checkKeys[$0]?.publicKey }) { return }
        let old = commitments.flatMap { c in c.keyCommitment == unlocked.keyCommitment && c.isSigned(vaultID: vaultID) ? c : nil }
        let entries = slots.enumerated().map { index, record in
            let previous = old?.entry(for: record.digest)
            let key = opened.contains(index) ? unlocked.checkKeys[index]?.publicKey : previous?.checkKey
            return SlotCommitments.Slot(digest: record.digest, checkKey: key, since: previous.map { min($0.since, now) } ?? now)
        }
        commitments = try SlotCommitments.make(slots: entries, vaultID: vaultID, vaultKey: unlocked.vaultKey, time: now)
    }

    /// Folds verified `pending` check-ins (from the file beside the vault) in, with an audit record each; returns
    /// those folded. A check-in is folded when the current commitment set (under this key) has its slot's check key,
    /// that key signed it, it is dated no later than `now`'s allowance, and it is newer than the vault's own.
    /// Only the newest valid check-in of each slot is taken (older ones prove less), so a write adds at most one audit
    /// record per slot however long the file grew.
    /// `leftAhead`: a valid check-in was left out because it is dated ahead of this writer's clock (the file must then
    /// stay: the writer's clock may be the wrong one).
    mutating func fold(
        _ pending: [CheckIn], slots: [SlotRecord], vaultID: [UInt8], keyCommitment: [UInt8], logKey: SecretBytes, now: Timestamp = .now()
    ) -> (folded: [CheckIn], leftAhead: Bool) {
        guard let set = currentCommitments(for: slots, vaultID: vaultID, under: keyCommitment) else { return ([], false) }
        var newest: [[UInt8]: CheckIn] = [:]
        var leftAhead = false
        for c in pending.sorted(by: { $0.time > $1.time }) where newest[c.slotDigest] == nil {
            guard let key = set.entry(for: c.slotDigest)?.checkKey else { continue }
            if c.time.secondsSinceEpoch > now.secondsSinceEpoch &+ checkInClockAllowance {
                if c.isSigned(vaultID: vaultID, checkKey: key) { leftAhead = true }
                continue
            }
            if let kept = checkIns.first(where: { $0.slotDigest == c.slotDigest }), kept.time >= c.time,
                kept.time.secondsSinceEpoch <= now.secondsSinceEpoch &+ checkInClockAllowance
            {
                continue
            }
            if c.isSigned(vaultID: vaultID, checkKey: key) { newest[c.slotDigest] = c }
        }
        var folded: [CheckIn] = []
        let digests = slots.map(\.digest)
        for c in newest.values.sorted(by: { $0.time < $1.time }) {
            guard let slot = digests.firstIndex(of: c.slotDigest), record(c, now: now) else { continue }
            folded.append(c)
            log.append(
                action: .checkIn,
                outcome: "ok: the custodian of slot \(slot + 1) checked in alone on \(c.time.iso8601) (\(c.actor)): its secret opens its slot and its share matches the vault key's commitment",
                actor: .current(), key: logKey)
        }
        return (folded, leftAhead)
    }

    /// Each custodian's check-in status from this area and `pending` check-ins, for `slots` (with `custodianIDs`);
    /// check-ins count only under a commitment set that names exactly these slots (under `keyCommitment`, when given).
    func checkInStatus(
        slots: [SlotRecord], custodianIDs: [String], vaultID: [UInt8], pending: [CheckIn], under keyCommitment: [UInt8]?, now: Timestamp
    ) -> [CheckInStatus] {
        let set = currentCommitments(for: slots, vaultID: vaultID, under: keyCommitment)
        return slots.enumerated().map { index, record in
            let entry = set?.slots[index]
            var newest: (CheckIn, Bool)?
            if let key = entry?.checkKey {
                for (c, isPending) in checkIns.map({ ($0, false) }) + pending.map({ ($0, true) })
                where c.slotDigest == record.digest && c.time.secondsSinceEpoch <= now.secondsSinceEpoch &+ checkInClockAllowance
                    && newest.map({ c.time > $0.0.time }) ?? true && c.isSigned(vaultID: vaultID, checkKey: key)
                {
                    newest = (c, isPending)
                }
            }
            return CheckInStatus(
                slotNumber: index + 1, custodianID: custodianIDs[index], baseline: entry?.checkKey == nil ? nil : entry?.since,
                lastCheckIn: newest?.0.time, lastCheckInBy: newest?.0.actor, isPending: newest?.1 ?? false)
        }
    }
}

extension UnlockedVault {
    /// Records a check-in for every slot this authentic unlock opened (opening a slot is the proof a check asks for),
    /// refreshing the commitment set first where it lacks their check keys; returns those slots (1-based).
    func recordCheckIns(into area: inout ExtensionArea, slots: [SlotRecord], at time: Timestamp, actor: AuditActor) throws -> [Int] {
        guard isAuthentic else { return [] }
        try area.refreshCommitments(for: slots, by: self, now: time)
        let vaultID = vault.header.identity.id
        var out: [Int] = []
        for index in openedSlots where index < slots.count && slots[index] == vault.header.slots[index] {
            guard let key = checkKeys[index] else { continue }
            area.record(key.checkIn(slotDigest: slots[index].digest, vaultID: vaultID, time: time, actor: actor), now: time)
            out.append(index + 1)
        }
        return out
    }

    /// `statuses` with the slots this unlock opened counted as proved at `time` (a drill that could not record itself
    /// still saw their custodians' secrets work), when the vault's current set holds their check keys.
    func countingOpenedSlots(_ statuses: [CheckInStatus], at time: Timestamp, actor: AuditActor) -> [CheckInStatus] {
        let header = vault.header
        guard let set = header.extensions.currentCommitments(for: header.slots, vaultID: header.identity.id, under: keyCommitment) else { return statuses }
        return statuses.map { s in
            let index = s.slotNumber - 1
            guard openedSlots.contains(index), let key = checkKeys[index], set.slots[index].checkKey == key.publicKey else { return s }
            return CheckInStatus(
                slotNumber: s.slotNumber, custodianID: s.custodianID, baseline: s.baseline, lastCheckIn: time,
                lastCheckInBy: AuditActor.clean("\(actor.user)@\(actor.machine)", CheckIn.maxActorCount), isPending: false)
        }
    }

    /// Whether this key opens something the header does not authenticate by itself: the first entry, or the audit
    /// log's first record. Used to tell a wrong key (a bad share) from a damaged header when the vault tag fails.
    var opensSomething: Bool {
        for index in 0..<min(vault.entryCount, 8) where (try? open(vault.header.entry(at: index))) != nil { return true }
        let log = vault.header.extensions.log
        return !log.stored.isEmpty && log.firstBrokenLink(key: logKey) != 0
    }
}

/// A custodian's check-ins, as a vault records them.
public struct CheckInStatus: Sendable, Equatable {
    /// The custodian's slot (1-based).
    public let slotNumber: Int
    /// The custodian's id (``Custodian/id``).
    public let custodianID: String
    /// From when this custodian's check-in age counts while it has not checked in: when its slot was first made, or
    /// its last proof carried over a re-key. Nil when the vault holds no commitment to its share, so that no check-in
    /// can count yet (a threshold vault written before check-ins, until its next re-key; a vault without a threshold,
    /// until the custodian's first check or a drill it unlocks).
    public let baseline: Timestamp?
    /// The newest check-in whose signature verifies, nil when there is none.
    public let lastCheckIn: Timestamp?
    /// Who ran it (`user@machine`).
    public let lastCheckInBy: String?
    /// Whether that check-in still waits in the file beside the vault (``Vault/pendingCheckInsPath``) for the next
    /// write by enough custodians to fold it into the vault.
    public let isPending: Bool

    /// Whole days from the custodian's last proof (its last check-in, else its ``baseline``) to `now` (0 for a time
    /// ahead of `now`); nil without a commitment.
    public func daysSinceLastProof(from now: Timestamp = .now()) -> Int? {
        guard let since = lastCheckIn ?? baseline else { return nil }
        guard now.secondsSinceEpoch > since.secondsSinceEpoch else { return 0 }
        return Int((now.secondsSinceEpoch - since.secondsSinceEpoch) / 86_400)
    }
}

/// What a drill or `custodian list` should say about check-ins.
public struct CheckInReview: Sendable, Equatable {
    /// Problems that make a drill fail: fewer than K custodians proved within the age; a custodian whose last proof
    /// is older.
    public let problems: [String]
    /// Custodians that cannot check in yet (no commitment to their share), and what makes one.
    public let notes: [String]

    /// Reviews `statuses`: a custodian whose last proof (its newest check-in, else its baseline) is older than
    /// `maxAgeDays`, and fewer than `threshold` (1 when nil) custodians who proved within it.
    ///
    /// - Parameters:
    ///   - statuses: every custodian's status (``Vault/checkInStatus(now:)``, ``DrillReport/custodianCheckIns``).
    ///   - threshold: the vault's K, or nil.
    ///   - maxAgeDays: the age after which a custodian must check in again (180 by default in `keyvault`).
    ///   - now: the time to measure from.
    public init(_ statuses: [CheckInStatus], threshold: Int?, maxAgeDays: Int, now: Timestamp = .now()) {
        var problems: [String] = [], notes: [String] = []
        var recent = 0, committed = 0
        for s in statuses {
            if let proof = s.lastCheckIn ?? s.baseline, proof.secondsSinceEpoch > now.secondsSinceEpoch &+ checkInClockAllowance {
                committed += 1
                problems.append(
                    "custodian \(s.custodianID) (slot \(s.slotNumber)): its check-in age is dated \(proof.iso8601), ahead of this computer's clock (a clock was wrong when it was written); check it again with 'keyvault custodian check' and its secret"
                )
                continue
            }
            guard let days = s.daysSinceLastProof(from: now) else {
                notes.append(
                    threshold == nil
                        ? "custodian \(s.custodianID) (slot \(s.slotNumber)) has no commitment to check in against yet; its first 'keyvault custodian check' (or a drill it unlocks) makes one"
                        : "custodian \(s.custodianID) (slot \(s.slotNumber)) cannot check in alone: the vault holds no commitment to its share; a drill it unlocks, or 'keyvault rekey' with enough custodians, makes one"
                )
                continue
            }
            committed += 1
            if days <= maxAgeDays {
                recent += 1
                continue
            }
            let last =
                s.lastCheckIn.map { "last checked in \(days) days ago (\($0.iso8601)\(s.isPending ? ", pending" : ""))" }
                ?? "has not checked in for \(days) days (since \(s.baseline!.iso8601))"
            problems.append("custodian \(s.custodianID) (slot \(s.slotNumber)) \(last): check it with 'keyvault custodian check' and its secret")
        }
        let needed = threshold ?? 1
        if committed >= needed && recent < needed {
            problems.insert(
                "only \(recent) of the \(needed) custodian\(needed == 1 ? "" : "s") this vault needs \(recent == 1 ? "has" : "have") proved within \(maxAgeDays) days that \(needed == 1 ? "its secret opens" : "their secrets open") the vault",
                at: 0)
        }
        self.problems = problems
        self.notes = notes
    }
}

/// A custodian check that passed.
public struct CheckInResult: Sendable {
    /// The custodian checked.
    public let custodian: Custodian
    /// When.
    public let time: Timestamp
    /// True when the check-in is in the vault (and its audit log) now; false when it waits in
    /// ``Vault/pendingCheckInsPath`` (a threshold vault, which one custodian cannot write).
    public let isRecordedInVault: Bool
    /// The vault key's fingerprint the slot's commitment was made by.
    public let keyFingerprint: String
    /// What ties that key to the vault (a pin, the custodian's endorsement, the passphrase, the operator).
    public let vouch: KeyVouch
}

extension Vault {
    /// Where check-ins of custodians who checked in alone wait for the next write: the vault's path (symbolic links
    /// resolved) with `.checkins` appended.
    public var pendingCheckInsPath: String { PendingCheckIns.path(for: Vault.resolvedPath(path)) }

    /// Each custodian's baseline and newest valid check-in, from the vault and the file of pending check-ins. Needs no
    /// secret: every check-in is verified against the commitment set, which only the vault tag (checked when the vault
    /// is unlocked: ``DrillReport/custodianCheckIns``) makes the vault key's own.
    ///
    /// - Parameter now: check-ins dated more than a day after it count for nothing.
    public func checkInStatus(now: Timestamp = .now()) -> [CheckInStatus] { checkInStatus(now: now, under: nil) }

    /// As ``checkInStatus(now:)``, counting only a commitment set signed by `keyCommitment` when given (a reader that
    /// authenticated the vault under that key).
    func checkInStatus(now: Timestamp, under keyCommitment: [UInt8]?) -> [CheckInStatus] {
        let vaultID = header.identity.id
        let pending = PendingCheckIns.read(vaultPath: Vault.resolvedPath(path), vaultID: vaultID).checkIns
        return header.extensions.checkInStatus(
            slots: header.slots, custodianIDs: custodians.map(\.id), vaultID: vaultID, pending: pending, under: keyCommitment, now: now)
    }

    /// ``CheckInReview`` of ``checkInStatus(now:)`` with this vault's threshold.
    public func reviewCheckIns(maxAgeDays: Int, now: Timestamp = .now()) -> CheckInReview {
        CheckInReview(checkInStatus(now: now), threshold: threshold, maxAgeDays: maxAgeDays, now: now)
    }

    /// Checks one custodian: its secret in `credentials` opens its own slot, alone, and what the slot holds is what
    /// the vault key committed to; then records a check-in signed with the slot's check key.
    ///
    /// Without a threshold the slot holds the vault key itself: the vault is unlocked and authenticated, and the
    /// check-in goes into the vault with an audit record (the commitment set is made or completed if needed). With a
    /// threshold, one custodian cannot write the vault: the check-in is appended to ``pendingCheckInsPath``, and the
    /// next write by enough custodians folds it into the vault and its audit log.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: one custodian's secret (the first slot it opens is the one checked), the user's pins, and
    ///     ``Credentials/vouchForKey`` when the operator vouches for the key that made the commitment.
    ///   - actor: who is checking.
    ///   - time: when (now; a test may sign an older check-in).
    /// - Returns: what was checked and where it was recorded.
    /// - Throws: ``KeyVaultError/Code-swift.struct/unlockFailed`` when the secret opens no slot;
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when the slot or its share is not what the vault key committed
    ///   to (replaced or corrupted), or the commitment is not signed; ``KeyVaultError/Code-swift.struct/notCommitted``
    ///   when a threshold vault holds no commitment to the slot's share; ``KeyVaultError/Code-swift.struct/unvouchedKey``
    ///   when nothing ties the committing key to the vault.
    @discardableResult
    public static func checkIn(
        atPath path: String, credentials: Credentials, actor: AuditActor = .current(), at time: Timestamp = .now()
    ) throws -> CheckInResult {
        let target = resolvedPath(path)
        return try about(path: path, resolved: target) {
            let vault = try Vault.open(atPath: target)
            guard !credentials.isEmpty else {
                throw KeyVaultError.invalidArgument("a custodian check needs that custodian's secret: an identity, or the passphrase")
            }
            let context = vault.header.slotContext
            var found: (index: Int, opening: SlotOpening, slot: any CustodianSlot)?
            search: for (index, record) in vault.header.slots.enumerated() {
                guard let slot = try Slot.parse(record, at: 0, context: context) else { continue }
                for identity in credentials.slotIdentities {
                    if let opening = try identity.open(slot, context: context) {
                        found = (index, opening, slot)
                        break search
                    }
                }
            }
            guard let (index, opening, slot) = found else {
                throw KeyVaultError(.unlockFailed, "the secret given opens none of this vault's slots: it is not the secret of any of its custodians ('keyvault custodian list' shows them)")
            }
            let record = vault.header.slots[index]
            let digest = record.digest
            let vaultID = vault.header.identity.id
            let custodian = vault.custodians[index]
            let name = "custodian \(custodian.id) (slot \(index + 1))"
            let checkKey = try CheckKey.derive(payload: opening.payload, vaultID: vaultID, slotDigest: digest)
            let checkIn = checkKey.checkIn(slotDigest: digest, vaultID: vaultID, time: time, actor: actor)
            if vault.header.threshold == nil {
                return try checkInWithKey(
                    vault, target: target, index: index, opening: opening, checkKey: checkKey, checkIn: checkIn, credentials: credentials, actor: actor, name: name)
            }
            let notCommitted =
                "\(name) opens its slot, but the vault holds no commitment to its share to check it against (written before check-ins, or its custodians were changed by an older keyvault); a drill this custodian unlocks, or 'keyvault rekey' with enough custodians, makes one"
            guard let set = vault.header.extensions.commitments else { throw KeyVaultError(.notCommitted, notCommitted) }
            guard set.isSigned(vaultID: vaultID) else {
                throw KeyVaultError.damaged("vault damaged or tampered with: its slot commitments do not carry the signature of the key they name")
            }
            // The key that signed the set must be the vault's before anything in it is believed.
            let vouch = try vouchForCommitment(
                set.keyCommitment, vault: vault, index: index, record: record, slot: slot, opening: opening, credentials: credentials, name: name)
            let digests = vault.header.slots.map(\.digest)
            if !set.covers(digests) {
                let differing = digests.indices.filter { $0 >= set.slots.count || set.slots[$0].digest != digests[$0] }
                if set.slots.count == digests.count && differing == [index] {
                    throw KeyVaultError.damaged(
                        "\(name): its secret opens its slot, but the vault key committed to other bytes in that place: the slot was replaced (perhaps put back from an older copy) or corrupted, and its share would give a wrong vault key; replace the custodian ('keyvault custodian remove', then 'add') with enough others"
                    )
                }
                if set.slots.count == digests.count && !differing.contains(index), set.slots[index].checkKey == checkKey.publicKey {
                    throw KeyVaultError.damaged(
                        "\(name): its own slot and share are the ones the vault key committed to, but slot \(differing.map { String($0 + 1) }.joined(separator: ", ")) is not: replaced (perhaps put back from an older copy) or corrupted; nothing was recorded"
                    )
                }
                throw KeyVaultError(
                    .notCommitted,
                    "\(name) opens its slot, but the vault's slots are not the ones its key committed to (its custodians were changed by an older keyvault, or slots were replaced); 'keyvault rekey' with enough custodians commits to them again; if nobody changed them, treat the vault as tampered with"
                )
            }
            guard let committed = set.slots[index].checkKey else { throw KeyVaultError(.notCommitted, notCommitted) }
            guard constantTimeEqual(committed, checkKey.publicKey) else {
                throw KeyVaultError.damaged(
                    "\(name): its secret opens its slot, but the share inside is not the one the vault key committed to: the slot was replaced or corrupted, and would give a wrong vault key; replace the custodian ('keyvault custodian remove', then 'add') with enough others"
                )
            }
            let lock = try VaultLock.acquire(target)
            // The vault may have been rewritten while the check ran: the check-in must still name one of its slots.
            let current = vault.chain == nil && vault.isSameFile(as: lock.file) ? vault : try Vault.read(from: lock.file, path: target)
            guard current.header.slots == vault.header.slots, current.header.extensions.commitments == set else {
                throw KeyVaultError(.io, "the vault's custodians changed while the check ran; nothing was recorded; run it again")
            }
            // (Format version 2 waits beside the vault too: its design's unkeyed check-in commit is not written yet.)
            try PendingCheckIns.append(checkIn, vaultID: vaultID, vaultPath: target)
            withExtendedLifetime(lock) {}
            // Vouched for (or by the operator): this user knows the key from now on, as after any read it vouched for.
            try? credentials.keyPins?.pin(set.keyCommitment, vaultID: vault.id)
            return CheckInResult(
                custodian: custodian, time: time, isRecordedInVault: false, keyFingerprint: UnlockedVault.fingerprintText(set.keyCommitment), vouch: vouch)
        }
    }

    /// A vault without a threshold: the slot's payload is the vault key; unlock, record in the vault.
    private static func checkInWithKey(
        _ vault: Vault, target: String, index: Int, opening: SlotOpening, checkKey: CheckKey, checkIn: CheckIn,
        credentials: Credentials, actor: AuditActor, name: String
    ) throws -> CheckInResult {
        let unlocked = try UnlockedVault(
            vault: vault, vaultKey: opening.payload, openedSlots: [index], passphraseVerified: opening.vouchesForKey,
            warnings: opening.warning.map { [$0] } ?? [], endorsers: opening.endorser.map { [index: $0] } ?? [:], checkKeys: [index: checkKey])
        guard unlocked.isAuthentic else {
            throw KeyVaultError.damaged(
                "vault damaged or tampered with: \(name) opens its slot, but the key inside fails the vault's authentication: the slot was replaced or the header damaged")
        }
        let vouch = try unlocked.requireVouched(credentials)
        try updateExtensions(target, early: unlocked, rollbackGuard: credentials) { current, u, area in
            guard current.header.slots == vault.header.slots else {
                throw KeyVaultError(.io, "the vault's custodians changed while the check ran; nothing was recorded; run it again")
            }
            try area.refreshCommitments(for: current.header.slots, by: u, now: checkIn.time)
            area.record(checkIn, now: checkIn.time)
            area.log.append(
                action: .checkIn, outcome: "ok: \(name) checked in: its secret opens its slot (key \(u.keyFingerprint))", actor: actor, at: checkIn.time,
                key: u.logKey)
        }
        try? credentials.keyPins?.pin(unlocked.keyCommitment, vaultID: vault.id)
        return CheckInResult(
            custodian: vault.custodians[index], time: checkIn.time, isRecordedInVault: true, keyFingerprint: unlocked.keyFingerprint, vouch: vouch)
    }

    /// What ties the key that committed to a slot to the vault, for a custodian who cannot unlock it alone: the
    /// user's pin (or signed re-keys from it), the custodian's own endorsement under that key, this process, or the
    /// operator. Not the passphrase: in a threshold vault its slot holds a share, and opening it proves nothing about
    /// who signed the commitments. Throws when something contradicts it or nothing ties it.
    private static func vouchForCommitment(
        _ keyCommitment: [UInt8], vault: Vault, index: Int, record: SlotRecord, slot: any CustodianSlot, opening: SlotOpening,
        credentials: Credentials, name: String
    ) throws -> KeyVouch {
        let fingerprint = UnlockedVault.fingerprintText(keyCommitment)
        let vaultID = vault.header.identity.id
        if let pinned = credentials.keyPins?.pinnedKey(ofVaultID: vault.id) {
            if pinned == keyCommitment { return .pinned }
            if let steps = UnlockedVault.transitionSteps(vault.header.extensions.keyHistory, from: pinned, to: keyCommitment, vaultID: vaultID) {
                return .pinnedThroughRekey(steps: steps)
            }
            // Made by an earlier key of this vault, which signed re-keys lead from to the one this user saw: the slots
            // were made again by a keyvault that did not commit to them.
            if UnlockedVault.transitionSteps(vault.header.extensions.keyHistory, from: keyCommitment, to: pinned, vaultID: vaultID) != nil {
                throw KeyVaultError(
                    .notCommitted,
                    "\(name) opens its slot, but the vault's commitments were made by an earlier key of this vault (fingerprint \(fingerprint)), which was re-keyed since by a keyvault that did not commit to the new slots; a drill this custodian unlocks, or 'keyvault rekey' with enough custodians, makes them again"
                )
            }
            if !credentials.vouchForKey {
                throw KeyVaultError(
                    .damaged,
                    "refused: the commitment to \(name)'s slot was made by another key (fingerprint \(fingerprint)) than the one this user last saw (\(UnlockedVault.fingerprintText(pinned))), with no signed re-key between them; nothing was recorded",
                    remedy: .overrideContradiction(fingerprint))
            }
            return .unvouched("the operator vouched for key \(fingerprint)")
        }
        // (The passphrase slot of a threshold vault holds a share: opening it says nothing about who signed the set.)
        if let endorsement = vault.header.extensions.endorsements.first(where: { $0.slotDigest == record.digest }) {
            let message = UnlockedVault.endorsementMessage(for: record, vaultID: vaultID, commitment: keyCommitment)
            let checks: Bool
            if let verdict = slot.checkEndorsement(endorsement.proof, of: message) {
                checks = verdict
            } else if let endorser = opening.endorser, let expected = try? endorser.proof(message) {
                checks = constantTimeEqual(expected, endorsement.proof)
            } else {
                checks = false
            }
            if checks { return .endorsed(slot: index + 1) }
            if !credentials.vouchForKey {
                throw KeyVaultError(
                    .damaged,
                    "refused: \(name)'s endorsement of its slot does not check under key \(fingerprint), which made the slot's commitment: the slot or the commitment was replaced; nothing was recorded",
                    remedy: .overrideContradiction(fingerprint))
            }
        }
        if KnownKeys.commitment(ofVaultID: vault.id) == keyCommitment { return .pinned }
        if credentials.vouchForKey { return .unvouched("the operator vouched for key \(fingerprint)") }
        throw KeyVaultError(
            .unvouchedKey,
            "refused: nothing ties the key that committed to \(name)'s slot (fingerprint \(fingerprint)) to this vault: the slot carries no endorsement by its custodian, and this user has not seen the vault's key; nothing was recorded",
            remedy: .checkKeyFingerprint(fingerprint))
    }
}
