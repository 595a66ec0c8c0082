// Changing how a vault is stored, not what it holds: an upgrade from format version 1 to 2, and a version-2 vault's
// commits written again as one (docs/FORMAT.md, "Format version 2").

/// What ``Vault/compact(atPath:credentials:)`` did.
public struct Compaction: Sendable, Hashable {
    /// The commits the vault held before (one after).
    public let commitsBefore: Int
    /// The file's size before, in bytes.
    public let bytesBefore: Int
    /// The file's size after, in bytes.
    public let bytesAfter: Int
}

/// How a format-version-2 vault is stored (``Vault/storage``): what `keyvault info` shows, and how near the vault is
/// to the point where `keyvault compact` is needed.
public struct StorageSummary: Sendable, Hashable {
    /// Commits in the file: one after an upgrade or a compaction, one more for every change since.
    public let commits: Int
    /// Chunks holding them.
    public let chunks: Int
    /// The slot area's generation: 1 when the file was created or upgraded, one more for every rewrite.
    public let generation: UInt64
    /// The capacity of every chunk together, in bytes.
    public let metadataBytes: Int
    /// The most that every chunk together may hold (256 MiB): appends past it are refused until a compaction.
    public let metadataLimit: Int
    /// The file's size, in bytes.
    public let fileBytes: Int
}

extension Vault {
    /// How a format-version-2 vault is stored; nil for version 1, which is one header and its sealed keys.
    public var storage: StorageSummary? {
        guard let chain, let slotCopy else { return nil }
        return StorageSummary(
            commits: chain.commits.count, chunks: chain.chunks.count, generation: slotCopy.seq,
            metadataBytes: chain.chunks.reduce(0) { $0 + $1.capacity }, metadataLimit: FormatV2.maxMetadataCount, fileBytes: chain.fileSize)
    }

    /// Where ``upgradeToVersion2(atPath:credentials:)`` keeps the version-1 file while it converts the vault at
    /// `path`: beside the file the path names, links resolved (`VAULT.v1`).
    public static func keptVersion1Path(forVaultAt path: String) -> String { resolvedPath(path) + ".v1" }

    /// Converts the format-version-1 vault at `path` to format version 2, whose changes are appends.
    ///
    /// The vault is unlocked and verified whole first (every entry opens, the audit log's chain holds): an upgrade
    /// carries a vault forward, never its damage. The new file keeps every slot, index record, section, audit record
    /// and sealed key byte for byte, with one more audit record saying so; it is written beside the vault, read back
    /// and verified whole under the same key, and only then renamed into place. Meanwhile the version-1 file is linked
    /// as `VAULT.v1`, which is removed once the new file is in place: a crash at any point leaves `VAULT` the
    /// version-1 file or the verified version-2 one, and at most that link.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it (any one, or K of a K-of-N vault; a passphrase if it has one).
    /// - Returns: false when the vault already is format version 2 (nothing is written).
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the vault does not verify whole;
    ///   ``KeyVaultError/Code-swift.struct/fileConflict`` when `VAULT.v1` exists and is another file; the errors of
    ///   unlocking and writing. The vault is unchanged whenever this throws before the rename.
    @discardableResult
    public static func upgradeToVersion2(atPath path: String, credentials: Credentials) throws -> Bool {
        let target = resolvedPath(path)
        let opened = try about(path: path) { try Vault.open(atPath: target) }
        guard opened.formatVersion == 1 else { return false }
        let kept = keptVersion1Path(forVaultAt: target)
        var linked = false
        do {
            try modify(path, opened: opened, credentials: credentials, rewritingAsVersion2: true) { current, unlocked, out in
                guard current.chain == nil else {
                    throw KeyVaultError(.io, "the vault was converted to format version 2 while this command ran; nothing was written")
                }
                try requireWhole(unlocked, doing: "upgraded")
                var area = current.header.extensions
                area.log.append(
                    action: .upgrade, outcome: "ok: converted from format version 1 to 2 (\(current.entryCount) entries, every one verified)",
                    actor: .current(), key: unlocked.logKey)
                try out.writeHeader(current.header.appending([], extensions: area, tagKey: unlocked.tagKey, sealed: out.needsSealedHeader), vaultKey: unlocked.vaultKey)
                try out.keepCiphertexts()
                out.beforeReplacing = { written in
                    try requireWhole(try UnlockedVault(vault: written, vaultKey: unlocked.vaultKey, sibling: unlocked), written: true)
                    linked = try link(current, keptAs: kept)
                }
            }
        } catch {
            // Before the rename the link is the vault itself and goes; after it (a folder that would not sync), it is
            // the only version-1 copy left and stays.
            if linked && FileIdentity.same(target, kept) { Syscalls.unlink(kept) }
            throw error
        }
        if linked {
            Syscalls.unlink(kept)
            try? Syscalls.syncDirectory(of: target)
        }
        return true
    }

    /// Writes a format-version-2 vault's commits again as one commit in a new file (slot copies one generation
    /// later), with an audit record saying so: what years of appends and audit records cost to read, gone; nothing the
    /// vault holds changes. The new file is read back and verified whole before it replaces the vault.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    /// - Returns: the commits and sizes before and after; nil for a version-1 vault, which every change rewrites
    ///   whole already (nothing is written).
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the vault does not verify whole; the errors of
    ///   unlocking and writing.
    @discardableResult
    public static func compact(atPath path: String, credentials: Credentials) throws -> Compaction? {
        let target = resolvedPath(path)
        let opened = try about(path: path) { try Vault.open(atPath: target) }
        guard opened.chain != nil else { return nil }
        return try modify(path, opened: opened, credentials: credentials, rewritingAsVersion2: true) { current, unlocked, out in
            guard let chain = current.chain else {
                throw KeyVaultError(.io, "the vault was replaced by a format-version-1 file while this command ran; nothing was written")
            }
            try requireWhole(unlocked, doing: "compacted")
            var area = current.header.extensions
            area.log.append(
                action: .compact, outcome: "ok: \(chain.commits.count) commits (\(chain.fileSize) bytes) written again as one", actor: .current(),
                key: unlocked.logKey)
            try out.writeHeader(current.header.appending([], extensions: area, tagKey: unlocked.tagKey, sealed: out.needsSealedHeader), vaultKey: unlocked.vaultKey)
            try out.keepCiphertexts()
            var after = 0
            out.beforeReplacing = { written in
                try requireWhole(try UnlockedVault(vault: written, vaultKey: unlocked.vaultKey, sibling: unlocked), written: true)
                after = written.chain?.fileSize ?? 0
            }
            return { Compaction(commitsBefore: chain.commits.count, bytesBefore: chain.fileSize, bytesAfter: after) }
        }()
    }

    /// What is damaged in how the vault is stored, though every key is still there: for a format-version-2 vault, a
    /// slot copy that is invalid or differs from the one its history was made under, a preamble that does not say
    /// what the slot copies do, the bytes of an unfinished commit after the last one (an interrupted write, or bytes
    /// put there since), and bytes after the last sealed key that nothing refers to. The first three are repaired by
    /// ``repairStorage(atPath:credentials:)`` or by the next write; the last by ``compact(atPath:credentials:)``
    /// (``storageFindings`` says which).
    /// Empty for a version-1 vault (its slot area exists once: there is nothing to repair it from; and any byte out
    /// of place fails its checksum).
    public var storageProblems: [String] { storageFindings.map(\.description) }

    /// ``storageProblems``, each with what mends it.
    public var storageFindings: [StorageProblem] {
        guard let chain, let used = slotCopy else { return [] }
        let rewrite = "'keyvault verify --repair' (or the next write) writes it again"
        var found: [StorageProblem] = []
        for (index, copy) in chain.copies.enumerated() where copy != used {
            found.append(
                StorageProblem(
                    description: "slot area copy \(index == 0 ? "A" : "B") is \(copy == nil ? "damaged" : "not the one the vault's history was made under")",
                    remedy: "the other copy is intact: \(rewrite)", isRepairable: true))
        }
        let preamble = ChainWriter.preamble(threshold: used.threshold != nil, slotCopySize: chain.slotCopySize)
        if (try? file.read(count: FormatV2.blockSize, at: 0, what: "vault preamble")) != preamble {
            found.append(StorageProblem(description: "the preamble (the file's first 4096 bytes) is damaged", remedy: rewrite, isRepairable: true))
        }
        if let torn = chain.torn {
            found.append(
                StorageProblem(
                    description:
                        "bytes that are no complete commit follow commit \(chain.commits.count), at byte \(torn.lowerBound) (an interrupted write, or bytes put there since); nothing refers to them",
                    remedy: "'keyvault verify --repair' (or the next write) clears them", isRepairable: true))
        }
        var end = chain.chunks.map { $0.offset + $0.capacity }.max() ?? 0
        for (index, offset) in offsets.enumerated() { end = max(end, offset + header.locations[index].ciphertextCount) }
        if chain.fileSize > end {
            found.append(
                StorageProblem(
                    description:
                        "\(chain.fileSize - end) bytes follow the last sealed key, at byte \(end) (the keys of an interrupted write, or bytes added since); nothing refers to them",
                    remedy: "'keyvault compact' drops them", isRepairable: false))
        }
        return found
    }

    /// Writes again what ``storageProblems`` names that an append mends (a slot copy or the preamble, from the slot copy the vault's history was made under; an unfinished commit's bytes, cleared), with an
    /// audit record saying what was repaired.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    /// - Returns: what was repaired (empty when nothing needed it: nothing is written then); nil for a version-1
    ///   vault, which has no second copy to repair from.
    /// - Throws: the errors of unlocking and writing.
    @discardableResult
    public static func repairStorage(atPath path: String, credentials: Credentials) throws -> [String]? {
        let target = resolvedPath(path)
        let opened = try about(path: path) { try Vault.open(atPath: target) }
        guard opened.chain != nil else { return nil }
        return try modify(path, opened: opened, credentials: credentials) { current, unlocked, out in
            let problems = current.storageFindings.filter(\.isRepairable).map(\.description)
            var area = current.header.extensions
            if !problems.isEmpty {
                area.log.append(
                    action: .repair, outcome: "ok: repaired: \(problems.joined(separator: "; "))",
                    actor: .current(), key: unlocked.logKey)
            }
            try out.writeHeader(current.header.appending([], extensions: area, tagKey: unlocked.tagKey, sealed: out.needsSealedHeader), vaultKey: unlocked.vaultKey)
            try out.keepCiphertexts()
            return problems
        }
    }

    /// Throws unless every entry of `unlocked` opens and its index and audit log authenticate.
    private static func requireWhole(_ unlocked: UnlockedVault, doing what: String = "", written: Bool = false) throws {
        let report = unlocked.verify()
        guard !report.isIntact else { return }
        let broken = report.entries.filter { $0.problem != nil }.count
        let why = !report.isIndexAuthentic ? "its index does not authenticate" : broken > 0 ? "\(broken) entries do not open" : "its audit log's chain is broken"
        if written {
            throw KeyVaultError(.internalError, "refused to replace the vault: the new file does not verify (\(why)); the vault was not changed")
        }
        throw KeyVaultError.damaged("vault damaged: \(why); it was not \(what) ('keyvault verify' shows which)")
    }

    /// Links the locked vault file `current` (its descriptor, not its path: nothing can be swapped in between) as
    /// `kept`. Returns whether this made the link; a `kept` that already is this file (left by a run that crashed) is
    /// accepted, and stays.
    private static func link(_ current: Vault, keptAs kept: String) throws -> Bool {
        do throws(SyscallFailure) {
            try Syscalls.linkUnnamed(current.file.fd, to: kept)
            return true
        } catch {
            guard current.isFile(atPath: kept) else {
                throw Syscalls.stat(kept) != nil || Syscalls.lstat(kept) != nil
                    ? KeyVaultError(.fileConflict, "\(kept) exists and is not this vault; move it away and run the upgrade again; nothing was written")
                    : KeyVaultError.io("link the version-1 vault as", path: kept, errno: error.code)
            }
            return false
        }
    }
}

/// A fault in how a format-version-2 vault is stored while every key is still there (``Vault/storageFindings``).
public struct StorageProblem: Sendable, Hashable {
    /// What is wrong: "slot area copy A is damaged".
    public let description: String
    /// What mends it, for a person: "'keyvault compact' drops them".
    public let remedy: String
    /// Whether ``Vault/repairStorage(atPath:credentials:)`` (or any write) mends it.
    public let isRepairable: Bool
}
