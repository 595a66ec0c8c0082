// Adding a key to a vault: validated, under the vault's lock, written atomically.
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

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
            throw KeyVaultError.invalidArgument("the export password is too long: keyvault escrows at most \(FormatV1.maxKeyPasswordBytes) bytes")
        }
        if keyCount == 0 { throw KeyVaultError.invalidArgument("the key file is empty; export the key again with the Encryption Key Backup or Restore Wizard") }
        if keyCount > Int(FormatV1.maxKeySize) {
            throw KeyVaultError.invalidArgument("the key file is \(keyCount) bytes; keyvault seals key files of at most 16 MiB (\(FormatV1.maxKeySize) bytes)")
        }
    }
}

/// One key to seal with ``Vault/seal(_:intoVaultAt:credentials:actor:)``, and what to record with it.
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
    /// The new entry.
    public let entry: Entry
    /// An earlier version of the same (host, role) holding the very same bytes, if any.
    public let identicalTo: Entry?
}

extension Vault {
    /// Seals `key` into the vault at `path` as a new entry: version 1 for a new (host, role), else one more than
    /// the highest version. Earlier versions are kept.
    ///
    /// The vault is changed under an exclusive lock and replaced atomically, so concurrent seals all land and an
    /// interrupted one leaves the previous vault intact.
    ///
    /// - Parameters:
    ///   - key: the exported key file's bytes.
    ///   - request: role, host and metadata.
    ///   - path: the vault.
    ///   - passphrase: the vault passphrase.
    /// - Returns: the new entry.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when the request is invalid or the same key is
    ///   already sealed for another host or role; the unlock and damage errors of ``Vault/unlock(with:)-(SecretBytes)``.
    public static func seal(_ key: SecretBytes, _ request: SealRequest, intoVaultAt path: String, passphrase: SecretBytes) throws -> SealResult {
        try seal(key, request, intoVaultAt: path, credentials: Credentials(passphrase: passphrase))
    }

    /// Seals `key` into the vault at `path`, unlocking it with any custodian's credentials.
    ///
    /// - Parameters:
    ///   - key: the exported key file's bytes.
    ///   - request: role, host and metadata.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault.
    /// - Returns: the new entry.
    /// - Throws: as ``seal(_:_:intoVaultAt:passphrase:)``.
    public static func seal(_ key: SecretBytes, _ request: SealRequest, intoVaultAt path: String, credentials: Credentials) throws -> SealResult {
        try request.validate(keyCount: key.count)
        return try seal(CollectionOfOne(SealItem(key: key, request: request)), intoVaultAt: path, credentials: credentials)[0]
    }

    /// Seals `key` into the vault file this vault was opened from, like ``seal(_:_:intoVaultAt:credentials:)``, reusing
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
    /// - Throws: as ``seal(_:_:intoVaultAt:passphrase:)``.
    public func seal(_ key: SecretBytes, _ request: SealRequest, credentials: Credentials) throws -> SealResult {
        try request.validate(keyCount: key.count)
        return try Vault.seal(CollectionOfOne(SealItem(key: key, request: request)), intoVaultAt: path, opened: self,
                              credentials: credentials)[0]
    }

    /// Seals many keys into the vault at `path` in one write: one lock, one unlock, one atomic replacement.
    ///
    /// Each item obeys the same rules as ``seal(_:_:intoVaultAt:credentials:)``, applied in order as if the items
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
    /// - Throws: as ``seal(_:_:intoVaultAt:credentials:)``, for the first item refused; nothing is written then.
    public static func seal<Items: Sequence>(_ items: Items, intoVaultAt path: String, credentials: Credentials,
                                             actor: AuditActor = .current()) throws -> [SealResult]
    where Items.Element == SealItem {
        try seal(items, intoVaultAt: path, opened: nil, credentials: credentials, actor: actor)
    }

    private static func seal<Items: Sequence>(_ items: Items, intoVaultAt path: String, opened: Vault?, credentials: Credentials,
                                              actor: AuditActor = .current()) throws -> [SealResult]
    where Items.Element == SealItem {
        try modify(path, opened: opened, credentials: credentials) { current, unlocked, out in
            var extensions = current.header.extensions
            var book = SealBook(current)
            var records: [IndexRecord] = []
            var sealed: [[UInt8]] = []
            var results: [SealResult] = []
            let vaultID = current.header.identity.id
            let now = Timestamp.now()
            for item in items {
                let (key, request) = (item.key, item.request)
                try request.validate(keyCount: key.count)
                let fingerprint = unlocked.fingerprint(of: key)
                book.beginItem()
                let identical = try book.check(fingerprint, role: request.role, host: request.host)
                let version = book.nextVersion(role: request.role, host: request.host)
                let metadata = EntryMetadata.encode(role: request.role, host: request.host, version: version, createdAt: now,
                                                    size: UInt32(key.count), fingerprint: fingerprint.bytes,
                                                    label: request.label, fileName: request.originalFileName)
                let entry = try EntryMetadata.decode(metadata[...], index: book.count, position: 0)
                let record = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: entry)
                sealed.append(AEAD.seal(key, key: unlocked.entryKey, nonce: record.nonce,
                                        associatedData: record.associatedData(vaultID: vaultID)))
                if let password = request.keyPassword {
                    extensions.passwords.append(unlocked.sealPassword(password, for: record))
                }
                book.add(entry)
                records.append(record)
                results.append(SealResult(entry: entry, identicalTo: identical))
            }
            if results.count == 1, let e = results.first?.entry {
                extensions.log.append(action: .seal, role: e.role, host: e.host, version: e.version,
                                      outcome: "ok: sealed version \(e.version)\(extensions.password(of: e) == nil ? "" : " with its export password")",
                                      actor: actor, at: now, key: unlocked.logKey)
            } else if !results.isEmpty {
                extensions.log.append(action: .seal, outcome: "ok: sealed \(results.count) keys in one batch", actor: actor, at: now, key: unlocked.logKey)
            }
            // The existing index is copied byte for byte; only the flags, count, sizes, extension area, checksum and
            // tag change.
            try out.write(current.header.appending(records, extensions: extensions, tagKey: unlocked.tagKey))
            try out.copy(from: current.file, offset: current.header.size, count: current.header.ciphertextAreaCount)
            for ciphertext in sealed { try out.write(ciphertext) }
            return results
        }
    }

    /// The path with symbolic links resolved, so that a rename replaces the vault and not a link to it.
    static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
