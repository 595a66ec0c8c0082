// Where a change to a vault goes: a new version-1 file written whole; for version 2, one commit appended, or a new
// version-2 file written whole when appends cannot say the change (docs/FORMAT.md, "Format version 2").

/// What a change to a vault writes, in this order: the vault's new header as version 1 lays it out
/// (``writeHeader(_:vaultKey:)``), then every sealed key in entry order — the existing ones kept
/// (``keepCiphertexts()``) or copied one by one (``copy(from:offset:count:)``), then new ones (``write(_:)``).
///
/// A version-1 vault gets a new file with exactly those bytes. A version-2 vault compares the new header with the
/// current one: when appends can say the difference (new entries, upserted items, changed sections, audit records),
/// the new sealed keys are kept for one commit that ``finish(keptKey:)`` appends; when they cannot (new slots, a
/// re-key, changed index records, a compaction), a new version-2 file is written whole and renamed into place.
final class VaultOutput {
    /// How the change is written; decided when the header arrives.
    private enum Mode {
        /// A new file with the bytes given: version 1.
        case version1(AtomicFile)
        /// Waiting for the header: a version-2 vault (or an upgrade to one).
        case version2Pending
        /// A new version-2 file: its head is written; the sealed keys follow, `keysCount` bytes in all.
        case version2Rewrite(AtomicFile, keysCount: Int)
        /// One commit to append: its changes, and the sealed keys of its new entries as they arrive.
        case version2Append(changes: [Change], keys: [UInt8])
    }

    private let current: Vault
    private let target: String
    private let lock: VaultLock
    /// Whether a version-2 file must be written whole (an upgrade, a compaction) even when appends could say it.
    private let rewriteVersion2: Bool
    private var mode: Mode
    /// The header as given, kept for a version-1 file only (a version-2 write keeps its parse, ``newHeader``).
    private var headerBytes: [UInt8] = []
    private var headerWritten = false
    private var newHeader: VaultHeader?
    private var vaultKey: SecretBytes?
    private var newCopy: SlotCopy?
    /// Whether the existing sealed keys were kept as they are (``keepCiphertexts()``).
    private var keptExisting = false
    private var streamed = 0
    /// Runs on the new file, read back and checked, just before it replaces the vault (a rewrite only): an upgrade's
    /// full verification and its link to the old file. Throwing leaves the vault as it was.
    var beforeReplacing: ((Vault) throws -> Void)?
    /// The fingerprint of the new vault key a re-key writes under (``CommittedVault/keyFingerprint``); nil otherwise.
    var newKeyFingerprint: String?

    /// A change to `current`, read under `lock` from `target`. `version2`: write format version 2 whatever `current`
    /// is, as a new file (an upgrade, a compaction).
    init(current: Vault, target: String, lock: VaultLock, rewritingAsVersion2 version2: Bool = false) throws {
        self.current = current
        self.target = target
        self.lock = lock
        rewriteVersion2 = version2
        if current.chain == nil && !version2 {
            let out = try AtomicFile(finalPath: target)
            try out.keepOwnership(of: try lock.file.status(what: "vault"), source: lock.file.fd)
            mode = .version1(out)
        } else {
            mode = .version2Pending
        }
    }

    /// Whether the header given to ``writeHeader(_:vaultKey:)`` needs its checksum and vault tag: only a version-1
    /// file stores them (a version-2 write lays the header out again, and a commit authenticates it).
    var needsSealedHeader: Bool {
        if case .version1 = mode { return true }
        return false
    }

    /// The new header as written, parsed: what a reader will find (for a version-2 vault, with a tag of zeros).
    func writtenHeader() throws -> VaultHeader {
        if let newHeader { return newHeader }
        return try VaultHeader.parse(headerBytes, fileSize: nil)
    }

    /// The vault's new header, version 1's layout, and the vault key it is under (a re-key's new key): the first write.
    func writeHeader(_ bytes: [UInt8], vaultKey key: SecretBytes) throws {
        precondition(!headerWritten, "the header is written once, first")
        headerWritten = true
        vaultKey = key
        switch mode {
        case .version1(let out):
            headerBytes = bytes
            try out.write(bytes)
        case .version2Pending:
            // (Scoped so that the parse of `bytes` and the state before the change are gone before the next copy of
            // the metadata is made: a 100,000-entry vault's is 13 MiB each.)
            let (header, state, appendable) = try planVersion2(bytes)
            if let changes = appendable, let used = current.slotCopy {
                newCopy = used
                mode = .version2Append(changes: changes, keys: [])
                // What a reader will replay to: most often `bytes` themselves, which are then not laid out again.
                let replayed = state.isLaidOut(as: bytes, copy: used) ? bytes : try state.header(copy: used, checksum: false)
                newHeader = try parsedForVersion2(replayed, sameIndexAs: current.header)
            } else {
                let header = try header ?? parsedForVersion2(bytes)
                newHeader = header
                let seq = current.chain == nil ? 1 : (current.slotCopy?.seq ?? 0) + 1
                let copy = SlotCopy(seq: seq, identityBytes: header.identity.associatedBytes, threshold: header.threshold, slots: header.slots)
                newCopy = copy
                let out = try AtomicFile(finalPath: target)
                try out.keepOwnership(of: try lock.file.status(what: "vault"), source: lock.file.fd)
                let keysCount = header.ciphertextAreaCount
                let (head, chunkEnd, _, _) = ChainWriter.newFile(
                    copy: copy, changes: state.initialChanges, keysCount: keysCount, macKey: try KeyDerivation.subkey(.commitChain, of: key),
                    padded: false)
                try out.write(head)
                try out.leaveZeros(chunkEnd - head.count)
                mode = .version2Rewrite(out, keysCount: keysCount)
            }
        default:
            preconditionFailure("the header is written once, first")
        }
    }

    /// The new logical state from `bytes`, and the changes that take the vault there by an append (nil when a rewrite
    /// is needed: an upgrade or compaction, new slots, changed index records); the parsed header only when it is not
    /// an append (a rewrite needs its slots).
    private func planVersion2(_ bytes: [UInt8]) throws -> (VaultHeader?, LogicalState, [Change]?) {
        // The common case — the same slots and index, records added after it — without parsing the index again.
        if !rewriteVersion2, current.chain != nil, current.slotCopy != nil,
            let state = try? LogicalState(v1: bytes, extending: current.header)
        {
            // The new state keeps the current index byte for byte (the init checked it): the two are compared
            // without it, the added records standing for the new one's.
            var added = state
            added.records = state.records.dropFirst(current.header.indexEnd - current.header.entryCountOffset - 4)
            added.entryCount -= current.header.entryCount
            if let changes = try LogicalState(sectionsOf: current.header).changes(to: added) { return (nil, state, changes) }
        }
        let header = try parsedForVersion2(bytes)
        let state = try LogicalState(v1: header)
        guard !rewriteVersion2, current.chain != nil, current.slotCopy != nil,
            header.identity.withExtensions(false) == current.header.identity.withExtensions(false),
            header.slots == current.header.slots, header.threshold == current.header.threshold,
            let changes = try LogicalState(v1: current.header).changes(to: state)
        else { return (header, state, nil) }
        return (nil, state, changes)
    }

    /// Every existing sealed key, as it is: the first thing after the header when entries are kept.
    func keepCiphertexts() throws {
        precondition(headerWritten && !keptExisting && streamed == 0, "existing keys follow the header")
        keptExisting = true
        switch mode {
        case .version1(let out), .version2Rewrite(let out, _):
            if current.chain == nil {
                try out.copy(from: current.file, offset: current.header.size, count: current.header.ciphertextAreaCount)
                streamed += current.header.ciphertextAreaCount
            } else {
                // Version 2 keeps each commit's keys where it put them: copied in runs of adjacent keys.
                var start = 0, end = 0
                for (offset, location) in zip(current.offsets, current.header.locations) {
                    if offset != end {
                        try out.copy(from: current.file, offset: start, count: end - start)
                        start = offset
                    }
                    end = offset + location.ciphertextCount
                }
                try out.copy(from: current.file, offset: start, count: end - start)
                streamed += current.header.ciphertextAreaCount
            }
        case .version2Append:
            break
        case .version2Pending:
            preconditionFailure("existing keys follow the header")
        }
    }

    /// One existing sealed key, copied (a change that re-seals some entries and keeps the others).
    func copy(from source: OpenFile, offset: Int, count: Int) throws {
        switch mode {
        case .version1(let out), .version2Rewrite(let out, _):
            try out.copy(from: source, offset: offset, count: count)
            streamed += count
        case .version2Append, .version2Pending:
            // A change that copies keys one by one changes index records, which appends cannot say.
            throw KeyVaultError(.internalError, "a change to \(target) copied sealed keys into an append; nothing was written")
        }
    }

    /// A new sealed key (or, in a re-key, each key sealed again), in entry order.
    func write(_ bytes: [UInt8]) throws {
        switch mode {
        case .version1(let out), .version2Rewrite(let out, _):
            try out.write(bytes)
            streamed += bytes.count
        case .version2Append(let changes, var keys):
            mode = .version2Pending  // (no copy of `keys` while it grows)
            keys += bytes
            mode = .version2Append(changes: changes, keys: keys)
        case .version2Pending:
            preconditionFailure("sealed keys follow the header")
        }
    }

    /// Writes the change: renames the new file into place (after reading it back as a reader would), or appends the
    /// commit. Returns the vault as it now is.
    ///
    /// - Parameter keptKey: the vault as unlocked before the change; a new file under the same slots is
    ///   authenticated under its key before it replaces anything.
    func finish(keptKey: UnlockedVault) throws -> Vault {
        switch mode {
        case .version1(let out):
            let written = try Vault.checkWritten(out, keptKey: keptKey)
            try out.holdVaultLockAfterCommit()
            try out.commit(replacing: true)
            return written
        case .version2Rewrite(let out, let keysCount):
            guard streamed == keysCount else {
                throw KeyVaultError(.internalError, "refused to write \(target): the change wrote \(streamed) bytes of sealed keys for \(keysCount); the vault was not changed")
            }
            let written = try Vault.checkWritten(out, keptKey: keptKey)
            try beforeReplacing?(written)
            try out.holdVaultLockAfterCommit()
            try out.commit(replacing: true)
            return written
        case .version2Append(let changes, let keys):
            return try append(changes: changes, keys: keys)
        case .version2Pending:
            preconditionFailure("a change writes a header")
        }
    }

    /// Appends one commit of `changes` and `keys` to the version-2 file, after repairing a damaged slot copy or
    /// preamble from the copy the history was read under.
    private func append(changes: [Change], keys: [UInt8]) throws -> Vault {
        guard let chain = current.chain, let copy = newCopy, let header = newHeader, let vaultKey else {
            preconditionFailure("an append has a chain, a slot copy and a header")
        }
        guard keptExisting || current.entryCount == 0 else {
            throw KeyVaultError(.internalError, "refused to write \(target): the change dropped the existing sealed keys from an append; the vault was not changed")
        }
        let added = header.locations[current.entryCount...].reduce(0) { $0 + $1.ciphertextCount }
        guard keys.count == added else {
            throw KeyVaultError(.internalError, "refused to write \(target): the change wrote \(keys.count) bytes of sealed keys for \(added); the vault was not changed")
        }
        var plan = WritePlan()
        plan.steps = try repairSteps(chain: chain, copy: copy)
        if !changes.isEmpty || !keys.isEmpty {
            let commit = try ChainWriter.append(to: chain, changes: changes, keys: keys, macKey: try KeyDerivation.subkey(.commitChain, of: vaultKey))
            plan.steps += commit.steps
            plan.check = commit.check
            plan.mac = commit.mac
            plan.commit = commit.commit
            plan.newChunk = commit.newChunk
            plan.fileSize = commit.fileSize
        }
        // The vault returned reads through a descriptor of its own (the lock's goes with the lock: a vault kept open
        // must not keep it locked), opened and checked before anything is written, so that no error follows success.
        let file = try OpenFile.open(target, what: "vault")
        guard let mine = try? file.status(what: "vault"), let locked = try? lock.file.status(what: "vault"), mine.st_dev == locked.st_dev, mine.st_ino == locked.st_ino
        else {
            throw KeyVaultError(.io, "the vault \(target) was replaced while this command held its lock; nothing was written; run it again")
        }
        guard !plan.steps.isEmpty else { return current.reading(from: file) }
        let fd = try openForAppending()
        defer { Syscalls.close(fd) }
        // Until the commit's tail is written the vault is as it was: a reader ignores an unfinished commit, and the next
        // writer clears it. Only when the tail's own sync fails is the change there but perhaps not on the disk.
        let acknowledged = plan.commit == nil ? plan.steps.count : plan.steps.count - 1
        try plan.execute(on: fd, path: target) { code, step in
            step < acknowledged
                ? KeyVaultError(
                    .io,
                    "cannot append to \(self.target): \(SystemError.describe(code)); what was written is never read ('keyvault verify' names what is left and what clears it); \(self.target) was not changed"
                )
                : KeyVaultError(
                    .io, "\(self.target): the change was written, but making it durable failed (\(SystemError.describe(code))); 'keyvault list' shows what the vault holds")
        }
        var after = chain
        var offsets = current.offsets
        if plan.commit != nil {
            after.apply(plan)
            var next = Int(plan.commit!.keysOffset)
            for location in header.locations[current.entryCount...] {
                offsets.append(next)
                next += location.ciphertextCount
            }
        }
        after.repaired(with: copy)
        return Vault(path: current.path, file: file, header: header, offsets: offsets, chain: after, slotCopy: copy)
    }

    /// The writes that put `copy` where a slot copy is damaged or differs, and a valid preamble where it is not, each
    /// synced before the commit is written (the other copy stays valid throughout).
    private func repairSteps(chain: ChainFile, copy: SlotCopy) throws -> [WritePlan.Step] {
        var steps: [WritePlan.Step] = []
        let encoded = copy.encoded(size: chain.slotCopySize)
        for (index, found) in chain.copies.enumerated() where found != copy {
            steps += [.write(offset: FormatV2.blockSize + index * chain.slotCopySize, bytes: encoded), .sync]
        }
        let preamble = ChainWriter.preamble(threshold: copy.threshold != nil, slotCopySize: chain.slotCopySize)
        if try lock.file.read(count: FormatV2.blockSize, at: 0, what: "vault preamble") != preamble {
            steps += [.write(offset: 0, bytes: preamble), .sync]
        }
        return steps
    }

    /// A descriptor for writing the locked file, checked to be that very file.
    private func openForAppending() throws -> Int32 {
        let fd: Int32
        do { fd = try Syscalls.openForWriting(target) } catch { throw KeyVaultError.io("open for writing", path: target, errno: error.code) }
        guard let mine = try? Syscalls.fstat(fd), let locked = try? lock.file.status(what: "vault"), mine.st_dev == locked.st_dev, mine.st_ino == locked.st_ino
        else {
            Syscalls.close(fd)
            throw KeyVaultError(.io, "the vault \(target) was replaced while this command held its lock; nothing was written; run it again")
        }
        return fd
    }

    /// `bytes` parsed as the header a version-2 file replays to: version 1's rules, and a version-2 vault's limits.
    private func parsedForVersion2(_ bytes: [UInt8], sameIndexAs base: VaultHeader? = nil) throws -> VaultHeader {
        do {
            return try VaultHeader.parse(bytes, fileSize: nil, checksummed: false, sameIndexAs: base)
        } catch let error as KeyVaultError {
            throw KeyVaultError(.internalError, "refused to write \(target): the new header would not open (\(error.message)); the vault was not changed")
        }
    }
}
