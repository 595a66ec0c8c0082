// Creating a new, empty vault.

extension Vault {
    /// The shortest passphrase a new vault accepts, in bytes.
    public static let minimumPassphraseCount = 8

    /// Creates a new empty vault at `path` with a random 256-bit vault key wrapped under `passphrase`.
    ///
    /// The file is written 0600 and atomically; an existing file at `path` is never replaced.
    ///
    /// - Parameters:
    ///   - path: where to create the vault.
    ///   - passphrase: at least ``minimumPassphraseCount`` bytes.
    ///   - kdf: the Argon2id cost; ``KDFParameters/default`` unless you have measured otherwise.
    /// - Returns: the new vault, opened.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` for a short passphrase.
    @discardableResult
    public static func create(atPath path: String, passphrase: SecretBytes, kdf: KDFParameters = .default) throws -> Vault {
        try create(atPath: path, custodians: [.passphrase(passphrase, kdf)])
    }

    /// Creates a new empty vault whose random 256-bit vault key is wrapped for each custodian, or, with a
    /// `threshold` K, split with Shamir's secret sharing so that any K custodians together unlock it.
    ///
    /// - Parameters:
    ///   - path: where to create the vault (never replaced).
    ///   - custodians: one to sixteen custodians: at most one passphrase, X25519 recipients, certificates.
    ///   - threshold: K, from 2 to the number of custodians; nil (or 1) for "any one custodian".
    ///   - keyPins: where to pin the new vault key for this user (``SeenVaults``), so that this user's later writes
    ///     know it is the key made here; nil to pin nothing.
    ///   - endorsers: secrets of some of the custodians (an X25519 identity for its recipient, the private key of a
    ///     certificate): each endorses its slot and the new key now, so that no first use has to vouch for it.
    ///   - formatVersion: 1, or 2 for a vault whose changes are appends and whose slot area is stored twice
    ///     (docs/FORMAT.md, "Format version 2"). 1 by default, so that a program built against an earlier release
    ///     keeps writing what it wrote; `keyvault init` passes 2 unless told `--format 1`.
    /// - Returns: the new vault, opened.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` for an invalid custodian set, threshold or format version.
    @discardableResult
    public static func create(
        atPath path: String, custodians: [NewCustodian], threshold: Int? = nil, keyPins: SeenVaults? = nil,
        endorsers: [CustodianIdentity] = [], formatVersion: Int = 1
    ) throws -> Vault {
        guard formatVersion == 1 || formatVersion == 2 else {
            throw KeyVaultError.invalidArgument("this keyvault creates vaults of format version 1 or 2, not \(formatVersion)")
        }
        let sources = custodians.map(\.slotRecipient)
        let k = try SlotBuilder.validate(sources, threshold: threshold)
        return try create(atPath: path, sources: sources, threshold: k, keyPins: keyPins, endorsers: endorsers, formatVersion: formatVersion)
    }

    /// ``create(atPath:custodians:threshold:keyPins:endorsers:formatVersion:)`` for custodians and a threshold already
    /// checked (``SlotBuilder/validate(_:threshold:)``); tests make vaults an earlier keyvault let through with it.
    static func create(
        atPath path: String, sources: [any SlotRecipient], threshold k: UInt8?, keyPins: SeenVaults?, endorsers: [CustodianIdentity],
        formatVersion: Int
    ) throws -> Vault {
        try checkCanCreate(path, what: "vault", hint: "keyvault init never overwrites a vault")
        let vaultKey = try SecretBytes.random(count: 32)
        let identity = VaultIdentity.new(threshold: k != nil)
        let context = SlotContext(identity: identity, threshold: k)
        let (slots, commitments) = try SlotBuilder.slots(for: sources, vaultKey: vaultKey, context: context)
        let commitment = try UnlockedVault.commitmentKeyPair(of: vaultKey).publicKey
        var area = ExtensionArea.empty
        area.commitments = commitments
        let (endorsements, endorsed) = try Endorser.endorsements(
            by: endorsers, sources: sources, slots: slots, vaultID: identity.id,
            commitment: commitment, strict: true)
        area.endorsements = endorsements
        if !endorsed.isEmpty {
            area.log.append(
                action: .endorse, outcome: "ok: slot \(endorsed.map(String.init).joined(separator: ", ")) endorsed by its custodian at creation (key \(UnlockedVault.fingerprintText(commitment)))",
                actor: .current(), key: try KeyDerivation.subkey(.auditLog, of: vaultKey))
        }
        let header = VaultHeader.encode(
            identity: identity, threshold: k, slots: slots, records: [], extensions: area,
            tagKey: try KeyDerivation.subkey(.vaultTag, of: vaultKey))
        let out = try AtomicFile(finalPath: path)
        if formatVersion == 2 {
            // The same logical vault as the first commit of a version-2 file (slot copies of generation 1).
            let parsed = try VaultHeader.parse(header.encoded, fileSize: nil)
            let copy = SlotCopy(seq: 1, identityBytes: identity.associatedBytes, threshold: k, slots: slots)
            let file = ChainWriter.newFile(
                copy: copy, changes: try LogicalState(v1: parsed).initialChanges, keysCount: 0,
                macKey: try KeyDerivation.subkey(.commitChain, of: vaultKey), padded: false)
            try out.write(file.bytes)
            try out.leaveZeros(file.keysOffset - file.bytes.count)
        } else {
            try out.write(header.encoded)
        }
        try checkWritten(out, keptKey: nil)
        do { try out.commit(replacing: false) } catch let error as KeyVaultError where error.code == .fileConflict {
            throw KeyVaultError(.fileConflict, "vault \(path) already exists; keyvault init never overwrites a vault")
        }
        let created = try open(atPath: path)
        CommittedVault.note(created, keyFingerprint: UnlockedVault.fingerprintText(commitment))
        KnownKeys.remember(commitment, vaultID: created.id)
        if let keyPins {
            do { try keyPins.pin(commitment, vaultID: created.id) } catch {}
        }
        return created
    }

    /// Throws when `passphrase` is too short for a new vault, or holds a line break: no prompt can take one (it ends
    /// at the line), so such a passphrase could be given only from a file; a passphrase file with a second newline at
    /// its end (only one is taken off) would otherwise set one that nobody can type.
    public static func checkNewPassphrase(_ passphrase: SecretBytes) throws {
        try checkPassphraseLength(passphrase)
        let hasLineBreak = passphrase.withUnsafeBytes { $0.contains(0x0A) || $0.contains(0x0D) }
        guard !hasLineBreak else {
            throw KeyVaultError.invalidArgument(
                "the passphrase holds a line break, which cannot be typed at a prompt: a passphrase file holds the passphrase on one line (only its one final newline is taken off)")
        }
    }

    /// Throws when `passphrase` is shorter than a vault passphrase may be (one being wrapped again included).
    static func checkPassphraseLength(_ passphrase: SecretBytes) throws {
        guard passphrase.count >= minimumPassphraseCount else {
            throw KeyVaultError.invalidArgument("the passphrase is too short: a vault passphrase needs at least \(minimumPassphraseCount) characters")
        }
    }

    /// Throws ``KeyVaultError/Code-swift.struct/fileConflict`` when something exists at `path` (unless `replacing`),
    /// or its folder does not; and an invalid-argument error when `path` is a folder, which nothing may replace.
    ///
    /// - Parameters:
    ///   - path: the file to create.
    ///   - what: what it is, for the message ("vault", "output file").
    ///   - hint: why it is never replaced, added to the message; nil when it may be replaced on purpose.
    ///   - remedy: what to do when it exists (``KeyVaultError/Remedy/replaceExisting``), or nil.
    ///   - replacing: whether an existing file may be replaced.
    public static func checkCanCreate(
        _ path: String, what: String, hint: String? = nil, remedy: KeyVaultError.Remedy? = nil,
        replacing: Bool = false
    ) throws {
        if let st = Syscalls.lstat(path) {
            if Syscalls.isDirectory(st) {
                throw KeyVaultError.invalidArgument("\(what) \(path) is a folder; name a file to write")
            }
            if !replacing { throw KeyVaultError(.fileConflict, "\(what) \(path) already exists\(hint.map { "; \($0)" } ?? "")", remedy: remedy) }
            return
        }
        let directory = Paths.directory(of: path)
        guard let st = Syscalls.stat(directory), Syscalls.isDirectory(st) else {
            throw KeyVaultError(.fileConflict, "cannot create \(what) \(path): folder \(directory) does not exist")
        }
    }
}
