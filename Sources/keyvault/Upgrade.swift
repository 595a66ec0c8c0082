// keyvault upgrade: brings a vault to the strongest form this keyvault writes: the custodians given endorse their slots
// and the vault key, and this user pins the key; with --format 2, the vault is converted to format version 2.
import ArgumentParser
import KeyVault

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Endorse the vault key with your custodian identity, for a vault written before endorsements or made from public keys.",
        discussion: """
            Slots made from a public key (--recipient, --cert) cannot vouch for the vault key they wrap: someone \
            who can write the file could wrap a key of their own to the same custodians. Each custodian's identity \
            endorses its slot and the key the first time it writes; this command does just that, for a vault written \
            before endorsements existed or one you only read. It prints the key fingerprint: check it with the other \
            custodians (or against what 'keyvault init' or the last re-key printed), then say so with --endorse: without it, a key that \
            nothing vouches for yet is refused (exit 3, showing the fingerprint), and one that contradicts an \
            endorsement or what this user saw before is refused (exit 5).

            With --format 2 it converts a format-version-1 vault to format version 2, whose changes (a seal, a \
            restore's audit record, a drill) are appended instead of rewriting the whole file, and whose slot area is \
            stored twice. Every entry is verified first; the new file keeps every slot, record and sealed key byte for \
            byte and is verified again before it replaces the vault (the version-1 file stays at VAULT.v1 until then). \
            Version-1 vaults keep working: converting is never required.
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("Convert the vault to this format version: 2 (changes are appends; docs/FORMAT.md).", valueName: "version"))
    var format: Int?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func validate() throws {
        if let format, format != 2 {
            throw ValidationError("--format takes 2; a vault is never converted back to format version 1, and version 1 needs no converting")
        }
    }

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        if format == 2 {
            // Beside the file the path names (a link's target), as the library keeps it; a database's working copy
            // keeps none anyone sees, so none is named.
            let kept = Vault.keptVersion1Path(forVaultAt: vault)
            let inDatabase = Output.workingCopy?.path == vault
            // (A file is the same file as itself only when it exists.)
            let leftover = {
                !inDatabase && FileIdentity.same(kept, kept) ? "; \(kept) is the version-1 file a run that stopped early left: remove it once you no longer need it" : ""
            }
            guard try Vault.upgradeToVersion2(atPath: vault, credentials: credentials) else {
                Output.line("\(vault): already format version 2; nothing to do\(leftover())")
                return
            }
            History.rememberWritten(path: vault)
            Output.line(
                "\(vault): converted to format version 2 (\(opened.entryCount) entr\(opened.entryCount == 1 ? "y" : "ies"), every one verified); its changes are appends from now on\(inDatabase ? "" : FileIdentity.same(kept, kept) ? leftover() : "; \(kept), the version-1 file kept while converting, was removed once the new one verified (a keyvault older than format version 2 cannot open the new one)")"
            )
            return
        }
        let unlocked = try opened.unlock(with: credentials)
        let vouch = unlocked.vouch(pinned: credentials.keyPins?.pinnedKey(ofVaultID: opened.id))
        // A key nothing vouches for is endorsed only on the operator's word (--endorse), after checking its fingerprint:
        // a forgery looks the same.
        let count = try Vault.endorse(atPath: vault, credentials: credentials)
        History.rememberWritten(path: vault)
        let what =
            count == 0
            ? "nothing to endorse: the slots of the custodians given already carry their endorsements"
            : "endorsed \(count) slot\(count == 1 ? "" : "s") with the custodian\(count == 1 ? "'s" : "s'") own secret"
        Output.line("\(vault): \(what); vault key fingerprint \(unlocked.keyFingerprint)")
        if case .unvouched = vouch {
            Output.line("nothing vouched for this key before but your --endorse: tell the vault's other custodians this fingerprint")
        }
    }
}
