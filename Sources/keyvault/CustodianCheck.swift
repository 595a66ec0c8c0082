// keyvault custodian check: one custodian proves, alone, that its secret still opens its own slot of the vault.
import ArgumentParser
import KeyVault

struct CustodianCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Prove that one custodian's secret still opens its own slot, without the rest of a threshold, and record a check-in.",
        discussion:
            "Give one custodian's secret: one --identity (a file or a pkcs11: URI), or the passphrase. The share its slot holds is checked against the vault key's commitment to it, so a replaced or corrupted slot is named (exit 5). Without a threshold the check-in goes into the vault's audit log; with one, a custodian alone cannot write the vault, so it waits in VAULT.checkins until the next write by enough custodians (a drill, a seal) takes it in. 'keyvault custodian list' and 'keyvault drill' show each custodian's last check-in."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    /// How many secrets the options name. Options name the one secret; an environment default
    /// (KEYVAULT_PASSPHRASE_FILE, KEYVAULT_IDENTITY_FILE) only stands in when no option names one.
    var namedSecrets: Int { unlock.identities.count + (unlock.passphraseFile == nil ? 0 : 1) }

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let named = namedSecrets
        guard named <= 1 else {
            throw CLIError.usage("a check proves one custodian: give one --identity, or the passphrase, not \(named) secrets")
        }
        var credentials = history.vouching(try unlock.credentials(for: opened, prompt: unlock.identitySources.isEmpty))
        if named == 1 {
            if unlock.passphraseFile == nil { credentials.passphrase = nil } else { credentials.identities = [] }
        } else if credentials.passphrase != nil && !credentials.identities.isEmpty {
            throw CLIError.usage("a check proves one custodian, but KEYVAULT_PASSPHRASE_FILE and KEYVAULT_IDENTITY_FILE both name one: give --identity or --passphrase-file")
        }
        if opened.threshold == nil {
            credentials = try history.checkBeforeWrite(opened, path: vault, credentials)
        } else {
            History.warnIfRolledBack(opened)
        }
        let result = try Vault.checkIn(atPath: vault, credentials: credentials)
        if result.isRecordedInVault { History.rememberWritten(path: vault) }
        let where_ = result.isRecordedInVault ? "the vault's audit log" : opened.pendingCheckInsPath
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("custodian", result.custodian.json), ("time", .string(result.time.iso8601)),
                    ("recorded", .string(result.isRecordedInVault ? "vault" : "pending")),
                    ("pendingFile", result.isRecordedInVault ? .null : .string(opened.pendingCheckInsPath)),
                    ("keyFingerprint", .string(result.keyFingerprint)), ("vouchedBy", .string(result.vouch.text)),
                ]).text)
            return
        }
        Output.line(
            "ok: custodian \(result.custodian.id) (slot \(result.custodian.slotNumber), \(result.custodian.kind.rawValue)) opens its own slot\(opened.threshold == nil ? "" : ", and its share is the one the vault key committed to") (key fingerprint \(result.keyFingerprint), \(result.vouch.text))"
        )
        Output.line("check-in recorded in \(where_) at \(result.time.iso8601)")
        if !result.isRecordedInVault {
            Output.note(
                "a custodian alone cannot write a threshold vault: the next write by enough custodians (a drill, a seal) moves this check-in into the vault's log; keep \(opened.pendingCheckInsPath.split(separator: "/").last.map(String.init) ?? opened.pendingCheckInsPath) beside the vault until then"
            )
        }
    }
}

extension KeyVouch {
    /// What vouched for a key, in a few words.
    var text: String {
        switch self {
        case .passphrase: return "vouched for by the passphrase"
        case .endorsed(let slot): return "endorsed by the custodian of slot \(slot)"
        case .pinned: return "the key this user saw before"
        case .pinnedThroughRekey(let steps): return "signed re-keys (\(steps)) from the key this user saw before"
        case .unvouched: return "vouched for by the operator (--endorse)"
        case .contradicted: return "contradicted, vouched for by the operator (--endorse)"
        }
    }
}
