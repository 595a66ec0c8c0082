// Adding a key to a vault: validated, under the vault's lock, written atomically.

/// What to record with a key being sealed.
public struct SealRequest: Sendable {
    /// The role whose key this is.
    public var role: Role
    /// The computer the key was exported from.
    public var host: HostName
    /// Free text, up to 256 bytes, no control characters.
    public var label: String
    /// The key file's name (no folders), up to 255 bytes.
    public var originalFileName: String
    /// The SecureStorageBackup export password protecting the key file, escrowed with it (8 to 1024 bytes), or nil.
    public var keyPassword: SecretBytes?
    /// Seal even when the vault's inventory does not record this computer with this role (recorded in the log).
    /// Without it, a vault whose inventory lists computers refuses a seal for a computer it does not list, or for a
    /// role the inventory does not give that computer.
    public var allowOutsideInventory = false

    /// Describes a key to seal.
    ///
    /// - Parameters:
    ///   - role: the role whose key this is.
    ///   - host: the computer it was exported from.
    ///   - label: free text, possibly empty.
    ///   - originalFileName: the exported file's name, possibly empty.
    public init(role: Role, host: HostName, label: String = "", originalFileName: String = "") {
        self.role = role
        self.host = host
        self.label = label
        self.originalFileName = originalFileName
    }

    /// Checks the label, file name and key size against the format's limits.
    public func validate(keyCount: Int) throws {
        if let problem = Entry.labelProblem(label) { throw KeyVaultError.invalidArgument("invalid label: \(problem)") }
        if let problem = Entry.fileNameProblem(originalFileName) { throw KeyVaultError.invalidArgument("invalid file name: \(problem)") }
        if let problem = FreeText.invisibleProblem(label) { throw KeyVaultError.invalidArgument("invalid label: \(problem)") }
        if let problem = FreeText.invisibleProblem(originalFileName) { throw KeyVaultError.invalidArgument("invalid file name: \(problem)") }
        if let keyPassword, keyPassword.count < 8 {
            throw KeyVaultError.invalidArgument("the export password is too short: the Encryption Key Backup or Restore Wizard's passwords have at least 8 characters")
        }
        if let keyPassword, keyPassword.count > FormatV1.maxKeyPasswordBytes {
            throw KeyVaultError.invalidArgument(
                "the export password is \(keyPassword.count) bytes, more than the \(FormatV1.maxKeyPasswordBytes) keyvault escrows: is its file the password file, not the key file?")
        }
        if keyCount == 0 { throw KeyVaultError.invalidArgument("the key file is empty; export the key again with the Encryption Key Backup or Restore Wizard") }
        if keyCount > Int(FormatV1.maxKeySize) {
            throw KeyVaultError.invalidArgument("the key file is \(keyCount) bytes; keyvault seals key files of at most 16 MiB (\(FormatV1.maxKeySize) bytes)")
        }
    }
}

/// One key to seal with ``Vault/seal(_:atPath:credentials:actor:)``, and what to record with it.
public struct SealItem: Sendable {
    /// The exported key file's bytes.
    public var key: SecretBytes
    /// Role, host and metadata.
    public var request: SealRequest

    /// Pairs a key with its request.
    ///
    /// - Parameters:
    ///   - key: the exported key file's bytes.
    ///   - request: role, host and metadata.
    public init(key: SecretBytes, request: SealRequest) {
        self.key = key
        self.request = request
    }
}

/// The outcome of a seal.
public struct SealResult: Sendable {
    /// The new entry; or, when the same bytes were already sealed for this computer and role, that entry (nothing
    /// new is added then: see ``updated``).
    public let entry: Entry
    /// The existing version of the same (host, role) holding the very same bytes, if any: then no version was added.
    public let identicalTo: Entry?
    /// What changed on that existing version: `"export password"`, `"label"`; empty when nothing did.
    public var updated: [String] = []
}

extension Vault {
    /// Seals `key` into the vault at `path` as a new entry, unlocking it with any custodian's credentials (a
    /// passphrase is `Credentials(passphrase:)`): version 1 for a new (host, role), else one more than the highest
    /// version. Earlier versions are kept. When the inventory records the computer (by its name or its FQDN), the
    /// entry is recorded under the inventory's name for it, so one computer never gets two series.
    ///
    /// The vault is changed under an exclusive lock and replaced atomically, so concurrent seals all land and an
    /// interrupted one leaves the previous vault intact. ``seal(_:atPath:credentials:actor:)`` seals several at once.
    ///
    /// - Parameters:
    ///   - key: the exported key file's bytes.
    ///   - request: role, host and metadata.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault.
    /// - Returns: the new entry.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when the request is invalid or the same key is
    ///   already sealed for another host or role; the unlock and damage errors of ``Vault/unlock(with:)-(Credentials)``;
    ///   the trust errors of ``UnlockedVault/requireVouched(_:)``.
    public static func seal(_ key: SecretBytes, _ request: SealRequest, atPath path: String, credentials: Credentials) throws -> SealResult {
        try request.validate(keyCount: key.count)
        return try seal(CollectionOfOne(SealItem(key: key, request: request)), atPath: path, credentials: credentials)[0]
    }

    /// Seals `key` into the vault file this vault was opened from, like ``seal(_:_:atPath:credentials:)``, reusing
    /// this parse when the file is still the same (same inode, size and modification time) once it is locked.
    ///
    /// A caller that has opened the vault anyway (to see which credentials it needs, say) saves reading and checking
    /// its header a second time, which counts for a large vault.
    ///
    /// - Parameters:
    ///   - key: the exported key file's bytes.
    ///   - request: role, host and metadata.
    ///   - credentials: enough custodians to unlock the vault.
    /// - Returns: the new entry.
    /// - Throws: as ``seal(_:_:atPath:credentials:)``.
    package func seal(_ key: SecretBytes, _ request: SealRequest, credentials: Credentials) throws -> SealResult {
        try request.validate(keyCount: key.count)
        return try Vault.seal(
            CollectionOfOne(SealItem(key: key, request: request)), atPath: path, opened: self,
            credentials: credentials)[0]
    }

    /// Seals many keys into the vault at `path` in one write: one lock, one unlock, one atomic replacement.
    ///
    /// Each item obeys the same rules as ``seal(_:_:atPath:credentials:)``, applied in order as if the items
    /// were sealed one after the other: each gets the next version of its (host, role), counting earlier items of
    /// the batch; a key already sealed for another host or role (in the vault, or earlier in the batch) is refused.
    /// The batch is all or nothing: if any item is refused, the vault is left unchanged.
    ///
    /// Items are read once, in order, and each key is released once sealed, so a lazy sequence lets a caller seal
    /// more keys than it could hold in guarded memory at once. The sealed bytes of the new entries are held in
    /// ordinary memory until the file is written (about the keys' total size).
    ///
    /// - Parameters:
    ///   - items: the keys and their requests, in the order they are to be sealed.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault.
    ///   - actor: who the audit log records as sealing; by default the operating system's user and machine.
    /// - Returns: one result per item, in order.
    /// - Throws: as ``seal(_:_:atPath:credentials:)``, for the first item refused; nothing is written then.
    public static func seal<Items: Sequence>(
        _ items: Items, atPath path: String, credentials: Credentials,
        actor: AuditActor = .current()
    ) throws -> [SealResult]
    where Items.Element == SealItem {
        try seal(items, atPath: path, opened: nil, credentials: credentials, actor: actor)
    }

    private static func seal<Items: Sequence>(
        _ items: Items, atPath path: String, opened: Vault?, credentials: Credentials,
        actor: AuditActor = .current()
    ) throws -> [SealResult]
    where Items.Element == SealItem {
        try modify(path, opened: opened, credentials: credentials) { current, unlocked, out in
            var extensions = current.header.extensions
            var book = SealBook(current)
            var records: [IndexRecord] = []
            var sealed: [[UInt8]] = []
            var results: [SealResult] = []
            var requests: [SealRequest] = []
            var newPasswords: [Int: SecretBytes] = [:], newLabels: [Int: String] = [:]
            let vaultID = current.header.identity.id
            let now = Timestamp.now()
            let domains = InventoryDomains(extensions.inventory)
            for item in items {
                let key = item.key
                var request = item.request
                try request.validate(keyCount: key.count)
                // One computer, one series: a computer the inventory records is sealed under the inventory's name
                // for it, whether the request gave its short name or its FQDN.
                request.host = extensions.inventory.recordedName(of: request.host) ?? request.host
                try Vault.checkInventory(extensions.inventory, allows: request)
                let fingerprint = unlocked.fingerprint(of: key)
                book.beginItem()
                let identical: Entry?
                do { identical = try book.check(fingerprint, role: request.role, host: request.host, domains: domains) } catch var error as KeyVaultError {
                    // The same key sealed for another computer or role: the context names the request refused.
                    error.context.role = error.context.role ?? request.role
                    error.context.host = error.context.host ?? request.host.value
                    throw error
                }
                // The same bytes for the same computer and role add nothing: a new export password or label is put
                // on the version that holds them instead.
                if let same = identical {
                    var changed: [String] = []
                    if same.index < current.entryCount {
                        if let password = request.keyPassword, try unlocked.keyPassword(of: same) != password {
                            newPasswords[same.index] = password
                            changed.append("export password")
                        }
                        if !request.label.isEmpty && request.label != same.label {
                            newLabels[same.index] = request.label
                            changed.append("label")
                        }
                    }
                    results.append(SealResult(entry: same, identicalTo: same, updated: changed))
                    requests.append(request)
                    continue
                }
                let version = try book.nextVersion(role: request.role, host: request.host)
                let metadata = EntryMetadata.encode(
                    role: request.role, host: request.host, version: version, createdAt: now,
                    size: UInt32(key.count), fingerprint: fingerprint.bytes,
                    label: request.label, fileName: request.originalFileName)
                let entry = try EntryMetadata.decode(metadata[...], index: book.count, position: 0)
                let record = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: entry)
                sealed.append(
                    AEAD.seal(
                        key, key: unlocked.entryKey, nonce: record.nonce,
                        associatedData: record.associatedData(vaultID: vaultID)))
                if let password = request.keyPassword {
                    extensions.passwords.append(unlocked.sealPassword(password, for: record))
                }
                book.add(entry)
                records.append(record)
                results.append(SealResult(entry: entry, identicalTo: identical))
                requests.append(request)
            }
            let outside = Vault.outsideInventory(extensions.inventory, items: requests)
            let added = results.filter { $0.identicalTo == nil }
            for r in results where !r.updated.isEmpty {
                extensions.log.append(
                    action: .seal, role: r.entry.role, host: r.entry.host, version: r.entry.version,
                    outcome: "ok: the same bytes are version \(r.entry.version); updated its \(r.updated.joined(separator: " and "))",
                    actor: actor, at: now, key: unlocked.logKey)
            }
            if added.count == 1, let e = added.first?.entry {
                extensions.log.append(
                    action: .seal, role: e.role, host: e.host, version: e.version,
                    outcome: "ok: sealed version \(e.version)\(extensions.password(of: e) == nil ? "" : " with its export password")\(outside ? "; outside the inventory (allowed on purpose)" : "")",
                    actor: actor, at: now, key: unlocked.logKey)
            } else if added.count > 1 {
                extensions.log.append(
                    action: .seal, outcome: "ok: sealed \(added.count) keys in one batch\(outside ? "; some outside the inventory (allowed on purpose)" : "")", actor: actor, at: now,
                    key: unlocked.logKey)
            }
            if newLabels.isEmpty {
                for (index, password) in newPasswords {
                    let record = current.header.record(at: index)
                    extensions.passwords.removeAll { ExtensionArea.entryKey($0.role, $0.host, $0.version) == ExtensionArea.entryKey(record.entry.role, record.entry.host, record.entry.version) }
                    extensions.passwords.append(unlocked.sealPassword(password, for: record))
                }
                // The existing index is copied byte for byte; only the flags, count, sizes, extension area, checksum
                // and tag change.
                try out.writeHeader(current.header.appending(records, extensions: extensions, tagKey: unlocked.tagKey, sealed: out.needsSealedHeader), vaultKey: unlocked.vaultKey)
                try out.keepCiphertexts()
            } else {
                try rewriteWithLabels(
                    newLabels, passwords: newPasswords, current: current, unlocked: unlocked,
                    appending: records, extensions: &extensions, out: out)
            }
            for ciphertext in sealed { try out.write(ciphertext) }
            return results
        }
    }

    /// Writes the vault with new labels on existing entries: their metadata is the associated data of their sealed
    /// key and escrowed password, so each is sealed again (new nonce) under the new metadata; every other entry's
    /// record and ciphertext are kept byte for byte. The new entries' records follow; their ciphertexts are the caller's.
    private static func rewriteWithLabels(
        _ labels: [Int: String], passwords: [Int: SecretBytes], current: Vault, unlocked: UnlockedVault,
        appending added: [IndexRecord], extensions: inout ExtensionArea, out: VaultOutput
    ) throws {
        let header = current.header
        let vaultID = header.identity.id
        var records = header.allRecords()
        for (index, label) in labels {
            let e = records[index].entry
            // Re-encoding must give the stored bytes back, else the record holds fields this version does not know.
            let same = EntryMetadata.encode(
                role: e.role, host: e.host, version: e.version, createdAt: e.createdAt, size: e.size,
                fingerprint: e.fingerprint.bytes, label: e.label, fileName: e.originalFileName)
            guard same == records[index].metadata else {
                throw KeyVaultError.invalidArgument("the label of the \(e.displayName) cannot be changed by this version: its record holds fields it does not know")
            }
            let metadata = EntryMetadata.encode(
                role: e.role, host: e.host, version: e.version, createdAt: e.createdAt, size: e.size,
                fingerprint: e.fingerprint.bytes, label: label, fileName: e.originalFileName)
            records[index] = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: try EntryMetadata.decode(metadata[...], index: index, position: 0))
        }
        for index in Set(labels.keys).union(passwords.keys) {
            let e = header.entry(at: index)
            guard let password = try passwords[index] ?? unlocked.keyPassword(of: e) else { continue }
            extensions.passwords.removeAll { ExtensionArea.entryKey($0.role, $0.host, $0.version) == ExtensionArea.entryKey(e.role, e.host, e.version) }
            extensions.passwords.append(UnlockedVault.sealPassword(password, for: records[index], vaultID: vaultID, key: unlocked.passwordKey))
        }
        let rewritten = VaultHeader.encode(
            identity: header.identity, threshold: header.threshold, slots: header.slots,
            records: records + added, extensions: extensions, tagKey: unlocked.tagKey)
        try out.writeHeader(rewritten.encoded, vaultKey: unlocked.vaultKey)
        for index in 0..<current.entryCount {
            let location = header.locations[index]
            if labels[index] == nil {
                try out.copy(from: current.file, offset: current.offsets[index], count: location.ciphertextCount)
            } else {
                let plain = try unlocked.open(header.entry(at: index))
                try out.write(AEAD.seal(plain, key: unlocked.entryKey, nonce: records[index].nonce, associatedData: records[index].associatedData(vaultID: vaultID)))
            }
        }
    }

    /// Refuses a seal for a computer a non-empty inventory does not list, or for a role it does not give that
    /// computer, unless the request allows it.
    static func checkInventory(_ inventory: Inventory, allows request: SealRequest) throws {
        guard !inventory.hosts.isEmpty, !request.allowOutsideInventory else { return }
        guard let recorded = inventory.host(matching: request.host) else {
            throw KeyVaultError(
                .notInInventory,
                "refused: the inventory does not list \(request.host); record it first ('keyvault inventory host … --name \(request.host) --role \(request.role)'), check the name, or seal it anyway as not in the inventory",
                context: KeyVaultError.Context(role: request.role, host: request.host.value)
            )
        }
        guard recorded.roles.contains(request.role) else {
            let roles = recorded.roles.map(\.rawValue).joined(separator: ", ")
            throw KeyVaultError(
                .notInInventory,
                "refused: the inventory lists \(recorded.name) as \(roles), not \(request.role); check the role (each server's key belongs to its own role), record the role in the inventory first, or seal it anyway as not in the inventory",
                context: KeyVaultError.Context(role: request.role, host: request.host.value))
        }
    }

    /// Whether any of `requests` was let through outside the inventory.
    static func outsideInventory(_ inventory: Inventory, items requests: [SealRequest]) -> Bool {
        guard !inventory.hosts.isEmpty else { return false }
        return requests.contains { r in r.allowOutsideInventory && !(inventory.host(matching: r.host)?.roles.contains(r.role) ?? false) }
    }

    /// The path with symbolic links resolved, so that a rename replaces the vault and not a link to it.
    static func resolvedPath(_ path: String) -> String {
        Syscalls.resolvedPath(path) ?? path
    }
}
