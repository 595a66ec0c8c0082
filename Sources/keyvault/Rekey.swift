// keyvault rekey: a new vault key for the same custodians, every entry re-sealed.
import ArgumentParser
import KeyVault

struct Rekey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey", abstract: "Generate a new vault key for the same custodians and re-seal every entry.",
        discussion: "A passphrase custodian's passphrase is needed again (from --passphrase-file or the terminal).")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.", valueName: "k"))
    var threshold: Int?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let credentials = history.vouching(try unlock.credentials(for: opened, needPassphrase: opened.hasPassphraseCustodian))
        try history.checkBeforeWrite(opened, path: vault) { credentials }
        try Vault.rekey(atPath: vault, credentials: credentials, threshold: threshold)
        History.rememberWritten(path: vault)
        // The counts of the file this process wrote, not of whatever is at the path now.
        guard let after = CommittedVault.latest else { return }
        Output.line(
            "re-keyed \(vault): new vault key for \(after.custodianCount) custodian\(after.custodianCount == 1 ? "" : "s"), \(after.entryCount) entr\(after.entryCount == 1 ? "y" : "ies") re-sealed; \(thresholdWords(after.threshold))"
        )
        // The new key is endorsed by the custodians given here only: say who must endorse it again.
        if let written = try? Vault.open(atPath: vault) {
            let unendorsed = written.custodians.filter { $0.isEndorsed == false }
            if !unendorsed.isEmpty {
                let names = unendorsed.map { "slot \($0.slotNumber) (custodian \($0.id))" }.joined(separator: ", ")
                Output.note(
                    "note: the new key is not endorsed by \(names), whose identity was not given: on a machine that has not seen this vault, nothing but the passphrase or those endorsements vouches for it; endorse it with 'keyvault upgrade \(vault) --endorse' and identities including theirs"
                )
            }
        }
    }
}
