// keyvault upgrade: brings a vault to the strongest form this keyvault writes — today, the custodians given endorse
// their slots and the vault key, and this user pins the key.
import ArgumentParser
import KeyVault

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Endorse the vault key with your custodian identity, for a vault written before endorsements or made from public keys.",
        discussion: """
            Slots made from a public key (--recipient, --certificate) cannot vouch for the vault key they wrap: someone \
            who can write the file could wrap a key of their own to the same custodians. Each custodian's identity \
            endorses its slot and the key the first time it writes; this command does just that, for a vault written \
            before endorsements existed or one you only read. It prints the key fingerprint: check it with the other \
            custodians (or against what 'keyvault init' printed), then say so with --endorse: without it, a key that \
            nothing vouches for yet is refused (exit 3, showing the fingerprint), and one that contradicts an \
            endorsement or what this user saw before is refused (exit 5).
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let credentials = history.vouching(try unlock.credentials(for: opened))
        try history.checkBeforeWrite(opened, path: vault) { credentials }
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
