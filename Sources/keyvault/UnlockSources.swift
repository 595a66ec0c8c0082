// The plain values behind --passphrase-file, --identity, --identity-passphrase-file, --pkcs11-module and --pin-file,
// and what a command does with them; filled by ArgumentParser's option groups or by QuickArguments.
import KeyVault

/// Where a custodian's private key on a PKCS#11 token is reached: the module, and the PIN (``TokenOptions``' values).
struct TokenSources {
    /// `--pkcs11-module`.
    var module: String?
    /// `--pin-file`.
    var pinFile: String?

    /// `--pkcs11-module`, or else `KEYVAULT_PKCS11_MODULE`.
    var moduleSource: String? { module ?? Environment.value("KEYVAULT_PKCS11_MODULE") }
    /// `--pin-file`, or else `KEYVAULT_PIN_FILE`.
    var pinSource: String? { pinFile ?? Environment.value("KEYVAULT_PIN_FILE") }
}

/// How a command that needs the vault's secret gets it: a passphrase and/or custodian identities (``UnlockOptions``'
/// values).
struct UnlockSources {
    /// `--passphrase-file`.
    var passphraseFile: String?
    /// `--identity`, in the order given.
    var identities: [String] = []
    /// `--identity-passphrase-file`.
    var identityPassphraseFile: String?
    /// `--pkcs11-module` and `--pin-file`.
    var token = TokenSources()

    /// `--passphrase-file`, or else `KEYVAULT_PASSPHRASE_FILE`.
    var passphraseSource: String? { passphraseFile ?? Environment.value("KEYVAULT_PASSPHRASE_FILE") }
    /// `--identity` (repeated), or else `KEYVAULT_IDENTITY_FILE` (one file).
    var identitySources: [String] { identities.isEmpty ? Environment.value("KEYVAULT_IDENTITY_FILE").map { [$0] } ?? [] : identities }
    /// `--identity-passphrase-file`, or else `KEYVAULT_IDENTITY_PASSPHRASE_FILE`.
    var identityPassphraseSource: String? { identityPassphraseFile ?? Environment.value("KEYVAULT_IDENTITY_PASSPHRASE_FILE") }
    /// Whether any secret of this group is read from standard input.
    var readsStandardInput: Bool { [passphraseSource, identityPassphraseSource, token.pinSource].contains("-") }

    /// Whether no passphrase file and no identity is given (by option or environment).
    var isEmpty: Bool { passphraseSource == nil && identitySources.isEmpty }

    /// The credentials for `vault`: identities as given, and the passphrase from its file or, when the vault has a
    /// passphrase custodian and the identities alone cannot be enough (or `needPassphrase`), from the terminal.
    func credentials(for vault: Vault, prompt: Bool = true, needPassphrase: Bool = false) throws -> Credentials {
        if passphraseSource == "-" && identityPassphraseSource == "-" {
            throw CLIError.usage("--passphrase-file and --identity-passphrase-file cannot both read standard input")
        }
        if passphraseSource == "-" && token.pinSource == "-" {
            throw CLIError.usage("--passphrase-file and --pin-file cannot both read standard input")
        }
        let loaded = try loadIdentities(identitySources, passwordSource: identityPassphraseSource, token: token)
        var passphrase = try passphraseSource.map { source in
            try Environment.reading("KEYVAULT_PASSPHRASE_FILE", unless: passphraseFile != nil) { try SecretInput.passphrase(fromFile: source) }
        }
        var slotKey: PassphraseSlotKey?
        let hasPassphraseCustodian = vault.hasPassphraseCustodian
        if passphrase == nil, prompt, hasPassphraseCustodian, needPassphrase || loaded.count < (vault.threshold ?? 1) {
            // With identities given but too few, and no terminal, go on without the passphrase: the unlock then
            // fails saying how many custodians were given and how many are needed.
            if needPassphrase, !loaded.isEmpty, !SecretInput.hasTerminal {
                // Enough identities to unlock, perhaps: the passphrase is asked for another reason, which is said.
                throw CLIError.usage(
                    "this change makes every custodian's slot again, the passphrase custodian's too, and that needs its passphrase: pass --passphrase-file FILE (or - for standard input), or remove the passphrase custodian first"
                )
            }
            if loaded.isEmpty || needPassphrase || SecretInput.hasTerminal {
                let typed = try Self.askPassphrase(for: vault)
                passphrase = typed.passphrase
                slotKey = typed.slotKey
            }
        }
        if passphrase == nil && loaded.isEmpty && prompt && !hasPassphraseCustodian {
            // KEYVAULT_IDENTITY_FILE names one file: enough only where one custodian unlocks.
            let needed = vault.threshold ?? 1
            throw CLIError.usage(
                "this vault is unlocked by custodian identities: give --identity FILE\(needed > 1 ? " (\(needed) of them, each with its own --identity)" : " or set KEYVAULT_IDENTITY_FILE")")
        }
        var credentials = Credentials(passphrase: passphrase, identities: loaded)
        credentials.passphraseSlotKey = slotKey
        return credentials
    }

    /// Asks for the vault passphrase on the terminal, up to three times while it is wrong (a typo at 3 a.m. should not
    /// end the command). `isCopy`: `vault` is this user's copy of a vault in a database, which may be out of date.
    /// The key Argon2id derived when the passphrase was checked comes with it: the unlock uses it instead of deriving
    /// it again, and a second check (a command that unlocks twice, a vault in a database read again under its lock)
    /// derives nothing while the slot is the one it was derived for.
    static func askPassphrase(for vault: Vault, isCopy: Bool = false) throws -> TypedPassphrase {
        if let earlier = AskedPassphrase.shared.withLock({ $0 }) {
            if let key = try vault.passphraseSlotKey(earlier.passphrase, derived: earlier.slotKey) {
                return TypedPassphrase(passphrase: earlier.passphrase, slotKey: key)
            }
            Output.note("note: the passphrase typed does not open the vault as it is now (its passphrase custodian changed); type it again")
        }
        for attempt in 1...3 {
            let passphrase = try SecretInput.passphraseFromTerminal(prompt: "Vault passphrase: ")
            if let key = try vault.passphraseSlotKey(passphrase) {
                let typed = TypedPassphrase(passphrase: passphrase, slotKey: key)
                AskedPassphrase.shared.withLock { $0 = typed }
                return typed
            }
            if attempt < 3 {
                let wrong = isCopy ? "wrong passphrase, or this user's copy of the vault is out of date" : "wrong passphrase"
                Output.note("\(wrong); try again (\(3 - attempt) \(3 - attempt == 1 ? "try" : "tries") left)")
            }
        }
        throw CLIError(message: "wrong passphrase three times; nothing was done", exitCode: ExitCodes.code(for: .unlockFailed))
    }

    /// For a vault in a database, before it is locked there, on a terminal (`DatabaseVaults` calls it only then): asks
    /// what this command will ask a person for — a PEM key's password and a token's PIN, and the vault passphrase when
    /// `keptCopy`, this user's copy of the vault, says one is needed — so that nobody's typing keeps the vault locked
    /// for others. What was given is kept for the run. The copy may be behind the database and nothing in it is
    /// trusted: a passphrase that does not open it is asked again once the vault is read under the lock, and the one
    /// that does is checked again there. Nothing is asked ahead when a secret comes from standard input (the command's
    /// own order of reads and refusals then stands).
    func askBeforeLocking(_ keptCopy: () -> Vault?) throws {
        guard let loaded = try loadIdentitiesBeforeLocking() else { return }
        guard passphraseSource == nil, let kept = keptCopy(), kept.hasPassphraseCustodian,
            loaded.count < (kept.threshold ?? 1)
        else { return }
        do {
            _ = try Self.askPassphrase(for: kept, isCopy: true)
        } catch let error as CLIError where error.exitCode == ExitCodes.code(for: .unlockFailed) {
            Output.note("note: that passphrase does not open this user's copy of the vault, which may be out of date; it is asked again once the vault is read as it is now")
        }
    }

    /// As ``askBeforeLocking(_:)``, for commands that never ask for the vault passphrase (list, plan, inventory show,
    /// a custodian check with an identity): loads the identities given, asking for a PEM key's password or a token's
    /// PIN, and returns them; nil, asking nothing, when a secret comes from standard input.
    @discardableResult
    func loadIdentitiesBeforeLocking() throws -> [CustodianIdentity]? {
        guard !readsStandardInput else { return nil }
        return try loadIdentities(identitySources, passwordSource: identityPassphraseSource, token: token)
    }

    /// For commands that read without a secret (list, plan, inventory): with credentials given, unlocks `vault` and
    /// checks that its header, index, inventory and audit log authenticate (exit 5 otherwise); without, says nothing.
    ///
    /// - Returns: whether the vault was authenticated.
    func authenticate(_ vault: Vault) throws -> Bool {
        guard !isEmpty else { return false }
        let unlocked = try vault.unlock(with: try credentials(for: vault, prompt: false))
        for warning in unlocked.warnings { Output.note(warning) }
        try unlocked.requireAuthentic()
        try History.refuseContradicted(History.checkKey(unlocked), unlocked)
        if let broken = unlocked.firstBrokenAuditRecord {
            throw CLIError.brokenAuditLog(record: broken + 1 + unlocked.vault.droppedAuditRecordCount)
        }
        return true
    }

    /// Unlocks `vault` and prints any warnings (an expired certificate, say). A key that an endorsement or this user's
    /// pin contradicts is refused (exit 5) unless the operator vouches for it (`operatorVouches`, from `--endorse`):
    /// what such a vault holds, and what its plan says, may be someone else's.
    /// `takesEndorse`: the command has `--endorse` (restore, drill), which the refusal then names.
    func unlock(_ vault: Vault, operatorVouches: Bool = false, takesEndorse: Bool = false) throws -> UnlockedVault {
        let unlocked = try vault.unlock(with: try credentials(for: vault))
        for warning in unlocked.warnings { Output.note(warning) }
        let vouch = History.checkKey(unlocked)
        if !operatorVouches { try History.refuseContradicted(vouch, unlocked, takesEndorse: takesEndorse) }
        return unlocked
    }
}
