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
        if keyCount == 0 { throw KeyVaultError.invalidArgument("the key file is empty; export the key again with the Encryption Key Backup or Restore Wizard") }
        if keyCount > Int(FormatV1.maxKeySize) {
            throw KeyVaultError.invalidArgument("the key file is \(keyCount) bytes; keyvault seals key files of at most 16 MiB (\(FormatV1.maxKeySize) bytes)")
        }
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
    ///   already sealed for another host or role; the unlock and damage errors of ``unlock(with:)``.
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
        return try modify(path, credentials: credentials) { current, unlocked, out in
            let fingerprint = unlocked.fingerprint(of: key)
            let entries = current.entries
            if let clash = entries.first(where: { $0.fingerprint == fingerprint && !($0.role == request.role && $0.host.matches(request.host)) }) {
                throw KeyVaultError.invalidArgument(
                    "refused: this key file is already sealed as the \(clash.displayName); each server's key is different (and SM and DW keys are never the same), so check that you picked the right file")
            }
            let identical = entries.last(where: { $0.fingerprint == fingerprint })
            let version = RestoreRule.nextVersion(in: entries, role: request.role, host: request.host)
            let metadata = EntryMetadata.encode(role: request.role, host: request.host, version: version, createdAt: .now(),
                                                size: UInt32(key.count), fingerprint: fingerprint.bytes,
                                                label: request.label, fileName: request.originalFileName)
            let entry = try EntryMetadata.decode(metadata[...], index: entries.count, position: 0)
            let record = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: entry)
            let ciphertext = AEAD.seal(key, key: unlocked.entryKey, nonce: record.nonce,
                                       associatedData: record.associatedData(vaultID: current.header.identity.id))
            let header = VaultHeader.encode(identity: current.header.identity, threshold: current.header.threshold,
                                            slots: current.header.slots, records: current.header.records + [record], tagKey: unlocked.tagKey)
            try out.write(header.encoded)
            try out.copy(from: current.file, offset: current.header.size, count: current.header.ciphertextAreaCount)
            try out.write(ciphertext)
            return SealResult(entry: entry, identicalTo: identical)
        }
    }

    /// The path with symbolic links resolved, so that a rename replaces the vault and not a link to it.
    static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
