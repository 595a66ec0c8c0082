// A vault as read from disk: its header, slots and entries, without any secret.
#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

/// An escrow vault, read and parsed, not yet unlocked.
///
/// Everything here is public metadata: the entries' roles, host names, versions, sizes and fingerprints are
/// stored in the clear (and authenticated once the vault is unlocked). Call ``unlock(with:)-(SecretBytes)`` to get an
/// ``UnlockedVault`` that can restore keys and verify every entry.
///
/// A `Vault` keeps the file it was read from open, so that keys are later read from the same file even if a writer
/// replaces the vault meanwhile.
public struct Vault: Sendable {
    /// The path the vault was opened from.
    public let path: String
    let file: OpenFile
    /// (Variable only so that a writer can fold pending check-ins into the extension area it writes next.)
    var header: VaultHeader
    let offsets: [Int]
    /// A format-version-2 file's structure and commits (``header`` is what they replay to); nil for version 1.
    var chain: ChainFile? = nil
    /// The slot copy a version-2 file's history was read under (the one its first commit names).
    var slotCopy: SlotCopy? = nil
    /// Read for salvage past lost commits, only the entries could be replayed: no section, no audit log.
    var isEntriesOnly = false

    /// The vault's format version: 1, or 2 for a file of appended commits.
    public var formatVersion: Int { chain == nil ? Int(header.identity.version) : Int(FormatV2.version) }
    /// The vault's random 128-bit id, in hex.
    public var id: String { header.identity.id.hexString }
    /// When the vault was created (UTC).
    public var createdAt: Timestamp { header.identity.createdAt }
    /// The entries, in the order they were sealed.
    ///
    /// Builds every entry; to find one, ``entry(for:version:on:)`` looks at the index without building the others.
    public var entries: [Entry] { (0..<header.entryCount).map(header.entry(at:)) }
    /// The number of entries.
    public var entryCount: Int { header.entryCount }
    /// Whether the header's unkeyed checksum matched. When false the file is damaged; only
    /// ``open(atPath:allowingDamage:)`` with `allowingDamage: true` returns such a vault.
    public var isChecksumValid: Bool { header.checksumValid }

    /// K of a K-of-N vault (any K custodians together unlock it), or nil when any one custodian does.
    public var threshold: Int? { header.threshold.map(Int.init) }

    /// Who can unlock this vault, in slot order. Needs no secret.
    public var custodians: [Custodian] { header.describeCustodians() }

    /// Whether a passphrase is among ``custodians``, without describing every custodian (an X25519 recipient's text, a
    /// certificate's subject) to find out.
    public var hasPassphraseCustodian: Bool {
        let context = header.slotContext
        return header.slots.contains { $0.kind == PassphraseSlot.kind && (try? Slot.parse($0, at: 0, context: context)) != nil }
    }

    /// The ways this vault can be unlocked, in slot order.
    public var slots: [SlotDescription] {
        custodians.map { SlotDescription(kind: $0.kind == .unknown ? "unknown (slot \($0.slotNumber))" : $0.kind.rawValue, kdf: $0.kdf) }
    }

    /// Opens and parses the vault at `path`. Reads only the header and index, never the sealed keys.
    ///
    /// - Parameters:
    ///   - path: the vault file.
    ///   - allowingDamage: return a vault whose header checksum does not match (for ``UnlockedVault/verify()``
    ///     and salvage) instead of throwing.
    /// - Returns: the parsed vault.
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the file does not parse exactly (or its checksum
    ///   fails and `allowingDamage` is false); ``KeyVaultError/Code-swift.struct/unsupportedVersion`` for a newer
    ///   format; ``KeyVaultError/Code-swift.struct/fileConflict`` when there is no such file.
    public static func open(atPath path: String, allowingDamage: Bool = false) throws -> Vault {
        try about(path: path) {
            let file = try OpenFile.open(path, what: "vault")
            let vault = try readSharing(file, path: path)
            if !allowingDamage { try vault.requireValidChecksum() }
            return vault
        }
    }

    /// Opens the vault at `path` for `restore --salvage`: as ``open(atPath:allowingDamage:)`` with damage allowed,
    /// and a version-2 vault is read past damage (docs/FORMAT.md, *Reading past damage for salvage*): a commit that
    /// fails its check is read when it is otherwise whole; a commit whose structure is gone, a chunk link or head that
    /// is not valid, is passed over to the next whole commit or chunk; and what does not replay is left out, down to
    /// the entries alone. Such a vault is never authentic, so only
    /// ``UnlockedVault/restore(role:version:on:salvage:recording:)`` with `salvage` reads keys from it, each one only
    /// when its own seal opens; and nothing is ever written to it (a write reads the file again and refuses it).
    ///
    /// - Parameter path: the vault file.
    /// - Returns: the vault, and for a version-2 vault read past damage, what was damaged (for a warning).
    /// - Throws: as ``open(atPath:allowingDamage:)``: damage salvage cannot read past (both slot copies, a commit
    ///   whose keys lie outside the file, nothing left that replays) is still ``KeyVaultError/Code-swift.struct/damaged``.
    public static func openForSalvage(atPath path: String) throws -> (vault: Vault, damage: String?) {
        try about(path: path) {
            let file = try OpenFile.open(path, what: "vault")
            do {
                return (try readSharing(file, path: path), nil)
            } catch let error as KeyVaultError where error.code == .damaged {
                guard let vault = try? read(from: file, path: path, sharingLock: true, salvaging: true), let chain = vault.chain,
                    vault.isSalvaged
                else { throw error }
                // The first places, and how many more (a file of many fake commits or chunk heads has thousands).
                let named = 8
                var damage: [String] = []
                if !chain.unchecked.isEmpty {
                    var places = chain.unchecked.prefix(named).map { "byte \($0)" }.joined(separator: ", ")
                    if chain.unchecked.count > named { places += " and \(chain.unchecked.count - named) more" }
                    damage.append(chain.unchecked.count == 1 ? "the commit at \(places) fails its check" : "the commits at \(places) fail their checks")
                }
                damage += chain.skipped.prefix(named).map(\.description)
                if chain.skipped.count > named { damage.append("and \(chain.skipped.count - named) more places passed over") }
                if vault.isEntriesOnly {
                    damage.append("only the entries could be read (no passwords, drills, inventory or audit log)")
                }
                return (vault, damage.joined(separator: "; "))
            }
        }
    }

    /// Whether this vault was read for salvage past commits that fail their checks (``openForSalvage(atPath:)``).
    var isSalvaged: Bool { !(chain?.unchecked.isEmpty ?? true) || !(chain?.skipped.isEmpty ?? true) || isEntriesOnly }

    /// Reads the vault holding its writers' lock for the read, so that every write a writer has acknowledged is in
    /// it, and runs `body` on it; the lock is let go when `body` returns (keep nothing of the vault beyond it).
    ///
    /// For a second look when a read taken without the lock looks older than expected: a writer that appended and
    /// then said so (``SeenVaults``) may not be visible to a read that raced it.
    ///
    /// - Parameters:
    ///   - path: the vault file.
    ///   - body: what to learn from the vault.
    /// - Returns: what `body` returns.
    /// - Throws: as ``open(atPath:allowingDamage:)``, and ``KeyVaultError/Code-swift.struct/io`` when the lock is not
    ///   had within two minutes.
    public static func withWritersWaitedFor<T>(atPath path: String, _ body: (Vault) throws -> T) throws -> T {
        let target = resolvedPath(path)
        return try about(path: path, resolved: target) {
            let lock = try VaultLock.acquire(target)
            let vault = try read(from: lock.file, path: target)
            try vault.requireValidChecksum()
            return try withExtendedLifetime(lock) { try body(vault) }
        }
    }

    /// Throws, as ``open(atPath:allowingDamage:)`` does, when the header fails its checksum.
    func requireValidChecksum() throws {
        guard isChecksumValid else {
            throw KeyVaultError.damaged("vault damaged: its header fails its checksum; run 'keyvault verify' to see which entries are intact")
        }
    }

    /// Reads the vault in `file`, a descriptor of its own: a version-2 file's structure (its chunks and commits) is
    /// read holding the writers' lock shared, since appends change that file in place and a reader must not see a
    /// link or a commit's tail half written. Only that read: the replay after it works on memory, so that readers
    /// in a loop do not keep a writer waiting. A writer holds the lock for milliseconds; after two seconds (a long
    /// rewrite, which renames and never writes in place, or a file system without locks) the file is read without it.
    /// Never used on a descriptor this process locked to write: a shared lock would replace that one.
    static func readSharing(_ file: OpenFile, path: String) throws -> Vault {
        try read(from: file, path: path, sharingLock: true)
    }

    /// Runs `body` holding `file`'s lock shared (at most two seconds of waiting for a writer to let go).
    static func holdingShared<T>(_ file: OpenFile, _ body: () throws -> T) rethrows -> T {
        var locked = false
        for _ in 0..<200 {
            guard let taken = try? Syscalls.tryLockShared(file.fd) else { break }
            if taken {
                locked = true
                break
            }
            Syscalls.sleep(milliseconds: 10)
        }
        defer { if locked { Syscalls.unlockFile(file.fd) } }
        return try body()
    }

    static func read(from file: OpenFile, path: String, sharingLock: Bool = false, salvaging: Bool = false) throws -> Vault {
        let fileSize = Int(try file.status(what: "vault").st_size)
        let preambleCount = min(fileSize, 16)
        let preamble = try file.read(count: preambleCount, at: 0, what: "vault header")
        if try isVersion2(preamble, file: file, fileSize: fileSize) {
            return try readVersion2(from: file, path: path, sharingLock: sharingLock, salvaging: salvaging)
        }
        do {
            let headerSize = try VaultHeader.parsePreamble(preamble[...], fileSize: fileSize)
            // A large header is parsed and laid out again by a writer: huge pages for it (ChainFile.largeMetadata).
            if headerSize >= ChainFile.largeMetadata { Syscalls.expectLargeAllocations(4 * headerSize) }
            let bytes = try file.read(count: headerSize, at: 0, what: "vault header")
            let header = try VaultHeader.parse(bytes, fileSize: fileSize)
            return Vault(path: path, file: file, header: header, offsets: header.ciphertextOffsets())
        } catch let error as KeyVaultError where error.code == .damaged {
            // A version-2 file whose preamble was damaged into something else (its magic intact) is still found by
            // its slot copy; when it is not one either, version 1's error is the one that says what is wrong.
            guard fileSize >= 2 * FormatV2.blockSize,
                try file.read(count: 8, at: FormatV2.blockSize, what: "vault").elementsEqual(FormatV2.slotCopyMagic),
                let version2 = try? readVersion2(from: file, path: path, sharingLock: sharingLock, salvaging: salvaging)
            else { throw error }
            return version2
        }
    }

    /// The entry a restore of `role` on `host` would decrypt, under the host/role rule; needs no secret.
    ///
    /// Reads the index in place and builds only the entry chosen, so that a refusal too takes no memory beyond the
    /// header's (its message names at most three computers). The same rule runs again in
    /// ``UnlockedVault/restore(role:version:on:salvage:recording:)`` once the index is authenticated.
    ///
    /// - Parameters:
    ///   - role: the role asked for.
    ///   - version: a specific version, or nil for the newest.
    ///   - host: the machine the restore runs on.
    /// - Returns: the entry.
    /// - Throws: as ``RestoreRule/select(from:role:version:host:inventory:)``.
    public func entry(for role: Role, version: UInt32? = nil, on host: HostIdentity) throws -> Entry {
        let position = try about(path: path) {
            try header.bytes.withUnsafeBufferPointer { bytes in
                try RestoreRule.choose(
                    in: RestoreCandidates(bytes: bytes, locations: header.locations, retired: retiredIndexes), role: role, version: version, host: host,
                    inventory: inventory)
            }
        }
        return header.entry(at: position)
    }

    /// The entries of `role` whose host matches `host` (``HostName/matches(_:)``), in index order.
    func entries(of role: Role, matching host: HostName) -> [Entry] {
        let roleBytes = Array(role.rawValue.utf8), hostBytes = Array(host.value.utf8)
        let matching = header.bytes.withUnsafeBufferPointer { bytes in
            header.locations.indices.filter { i in
                let location = header.locations[i]
                return Int(location.roleCount) == roleBytes.count && bytes[location.roleRange].elementsEqual(roleBytes)
                    && HostName.matches(UnsafeBufferPointer(rebasing: bytes[location.hostRange]), hostBytes)
            }
        }
        return matching.map(header.entry(at:))
    }

    /// The entries whose fingerprint is `fingerprint`, in index order.
    func entries(withFingerprint fingerprint: Fingerprint) -> [Entry] {
        let matching = header.bytes.withUnsafeBytes { bytes in
            fingerprint.bytes.withUnsafeBytes { wanted in
                header.locations.indices.filter { i in
                    memcmp(bytes.baseAddress! + header.locations[i].fingerprintRange.lowerBound, wanted.baseAddress!, 32) == 0
                }
            }
        }
        return matching.map(header.entry(at:))
    }

    /// Whether `other` is the file this vault was parsed from, unchanged: same device, inode, size and mtime.
    func isSameFile(as other: OpenFile) -> Bool {
        guard let a = try? file.status(what: "vault"), let b = try? other.status(what: "vault") else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size
            && a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
    }

    /// Whether `path` names this vault's file (the same device and inode, through any link), which must never be
    /// overwritten by an output nor read as an input.
    ///
    /// - Parameter path: a path that may or may not exist.
    /// - Returns: true when it is this vault.
    public func isFile(atPath path: String) -> Bool {
        guard let mine = try? file.status(what: "vault"), let other = Syscalls.stat(path) else { return false }
        return mine.st_dev == other.st_dev && mine.st_ino == other.st_ino
    }

    /// This vault's parse, reading later bytes (the sealed keys) through `other`, a descriptor on the same file; with
    /// `chain`, that file's structure read again (the same history, ``ChainFile/holdsTheSameHistory(as:)``).
    func reading(from other: OpenFile, chain now: ChainFile? = nil) -> Vault {
        Vault(path: path, file: other, header: header, offsets: offsets, chain: now ?? chain, slotCopy: slotCopy)
    }

    /// Whether the file at this vault's path now has other slots (or another threshold) than this parse: a re-key or
    /// another file put in its place since it was read. False when it cannot be read.
    public func slotsChanged() -> Bool {
        guard let now = try? Vault.open(atPath: path) else { return false }
        return now.header.slots != header.slots || now.header.threshold != header.threshold
    }

    /// Whether `other` is this vault's file (the same device and inode), whatever was written to it since.
    func isSameFile(inode other: OpenFile) -> Bool {
        guard let a = try? file.status(what: "vault"), let b = try? other.status(what: "vault") else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// Whether the file is format version 2: a slot copy's magic where version 2 puts the first one, and a preamble
    /// that says version 2 or is damaged. A file that only says version 2 is refused as version 1 refuses a newer
    /// version (the published vector `version-0002`): version 2 is not final.
    private static func isVersion2(_ preamble: [UInt8], file: OpenFile, fileSize: Int) throws -> Bool {
        // A preamble that says version 1 (or any version but 2) is read as version 1 without another read.
        if preamble.count == 16, preamble.prefix(8).elementsEqual(FormatV1.magic), preamble[8] != 0 || preamble[9] != UInt8(FormatV2.version) {
            return false
        }
        guard fileSize >= 2 * FormatV2.blockSize else { return false }
        if try file.read(count: 8, at: FormatV2.blockSize, what: "vault").elementsEqual(FormatV2.slotCopyMagic) {
            guard preamble.prefix(8).elementsEqual(FormatV1.magic) else { return true }
            return preamble[8] == 0 && preamble[9] == UInt8(FormatV2.version)
        }
        // Copy A's magic damaged: a preamble that says version 2 and names the copies' size S finds copy B at 4096 + S
        // (docs/FORMAT.md, "Telling the versions apart", rule 2), so one damaged copy does not hide the other.
        guard preamble.count == 16, preamble.prefix(8).elementsEqual(FormatV1.magic), preamble[8] == 0, preamble[9] == UInt8(FormatV2.version) else {
            return false
        }
        let size = Int(preamble[12]) << 24 | Int(preamble[13]) << 16 | Int(preamble[14]) << 8 | Int(preamble[15])
        guard size % FormatV2.blockSize == 0, size >= FormatV2.blockSize, size <= FormatV2.maxSlotCopySize,
            fileSize >= FormatV2.blockSize + 2 * size
        else { return false }
        return try file.read(count: 8, at: FormatV2.blockSize + size, what: "vault").elementsEqual(FormatV2.slotCopyMagic)
    }

    /// A format-version-2 file, replayed into the header version 1 would hold: under slot copy A, or under copy B when
    /// A is damaged or the history was not made under it.
    private static func readVersion2(from file: OpenFile, path: String, sharingLock: Bool = false, salvaging: Bool = false) throws -> Vault {
        let read =
            try sharingLock
            ? holdingShared(file) { try ChainFile.readDeferringChecks(from: file, salvaging: salvaging) }
            : ChainFile.readDeferringChecks(from: file, salvaging: salvaging)
        // The replay runs while a large commit's check is hashed on another thread; nothing from it is returned, nor
        // any error of it thrown, before every check matched (a bad check is what is wrong first, as it always was).
        return try read.confirmed { chain in try replayVersion2(chain, file: file, path: path) }
    }

    /// The vault a version-2 file's commits replay to, under the first slot copy they were made under.
    private static func replayVersion2(_ chain: ChainFile, file: OpenFile, path: String) throws -> Vault {
        do {
            return try replayVersion2(chain, file: file, path: path, entriesOnly: false)
        } catch let error as KeyVaultError where chain.isSalvageRead {
            // Read for salvage past damage, what is left may not replay by version 1's rules: a commit that fails its
            // check may hold bytes no writer makes, and a lost commit's entry may be named by a later password or
            // drill. Then, in turn: the rest without the commit that fails its check; the entries alone (each key
            // opens by its own seal); the rest without the commits that fail their checks; the entries alone without
            // them.
            let why = SkippedDamage.reason(error)
            // (With several commits that fail their checks, leaving all of them out would lose the intact keys of the
            // others: the entries alone, with theirs, come first then.)
            let withoutUnchecked = chain.unchecked.isEmpty ? nil : chain.leavingOutUnchecked(why: why)
            let one = chain.unchecked.count == 1
            let attempts: [(ChainFile, Bool)] =
                [one ? withoutUnchecked.map { ($0, false) } : nil, (chain, true), one ? nil : withoutUnchecked.map { ($0, false) }, withoutUnchecked.map { ($0, true) }]
                .compactMap { $0 }
            for (candidate, entriesOnly) in attempts where !candidate.commits.isEmpty {
                if let vault = try? replayVersion2(candidate, file: file, path: path, entriesOnly: entriesOnly) { return vault }
            }
            throw error
        }
    }

    /// The vault `chain` replays to under the first slot copy it was made under; with `entriesOnly` (salvage only),
    /// from its entries alone.
    /// With `leavingOutMisplacedKeys` (salvage only, once), commits whose keys lie where no keys may are left out and
    /// the rest replayed again.
    private static func replayVersion2(_ chain: ChainFile, file: OpenFile, path: String, entriesOnly: Bool, leavingOutMisplacedKeys: Bool = true) throws -> Vault {
        var failure: (any Error)?
        // Read for salvage past a lost first commit, the base that names the slot copy is gone with it: either copy
        // is tried (the custodians' secrets open only the right one's key, and only that key opens the entries).
        let requiringBase = chain.skipped.isEmpty || chain.commits.first?.number == 1
        for copy in chain.copies.compactMap({ $0 }) {
            do {
                let state: LogicalState
                if entriesOnly {
                    state = try LogicalState.entries(of: chain.commits, copy: copy, requiringBase: requiringBase)
                } else {
                    state = try LogicalState.replay(chain.commits, copy: copy, requiringBase: requiringBase)
                }
                let header = try VaultHeader.parse(try state.header(copy: copy, checksum: false), fileSize: nil, checksummed: false)
                if chain.isSalvageRead, leavingOutMisplacedKeys, case let astray = chain.commitsPointingKeysAstray(for: header), !astray.isEmpty {
                    // A damaged `keys_offset` (outside the check) would make every key unreadable: its commit is left
                    // out and the rest read again (once: leaving commits out moves no other commit's keys).
                    let kept = chain.leavingOut(astray, as: SkippedDamage.keysAstray)
                    guard !kept.commits.isEmpty else { throw KeyVaultError.damaged("vault damaged: no commit points to its keys where they can be") }
                    return try replayVersion2(kept, file: file, path: path, entriesOnly: entriesOnly, leavingOutMisplacedKeys: false)
                }
                var vault = try version2(chain, header: header, file: file, path: path, copy: copy)
                vault.isEntriesOnly = entriesOnly
                return vault
            } catch {
                // The first copy's error is the one that says what is wrong (the other's is "not made under it").
                failure = failure ?? error
            }
        }
        throw failure ?? KeyVaultError.damaged("vault damaged: both copies of the slot area are damaged; no custodian can unlock it")
    }

    /// The vault `chain` holds, replayed to `header` under `copy`: its sealed keys located, its commits' changes let go.
    private static func version2(_ chain: ChainFile, header: VaultHeader, file: OpenFile, path: String, copy: SlotCopy) throws -> Vault {
        let offsets = try chain.keyOffsets(for: header)
        var kept = chain
        kept.forgetChanges()
        return Vault(path: path, file: file, header: header, offsets: offsets, chain: kept, slotCopy: copy)
    }

    /// Unlocks the vault with a passphrase.
    ///
    /// - Parameter passphrase: the vault passphrase.
    /// - Returns: the unlocked vault. Check ``UnlockedVault/isAuthentic`` or let its operations do so.
    /// - Throws: ``KeyVaultError/Code-swift.struct/unlockFailed`` for a wrong passphrase;
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when the header is damaged so the passphrase cannot be checked.
    public func unlock(with passphrase: SecretBytes) throws -> UnlockedVault {
        try unlock(with: Credentials(passphrase: passphrase))
    }
}

/// One way of unlocking a vault, as listed without the secret.
public struct SlotDescription: Sendable, Hashable {
    /// `"passphrase"`, or a description of a kind this version does not know.
    public let kind: String
    /// The Argon2id cost, for passphrase slots.
    public let kdf: KDFParameters?
}
