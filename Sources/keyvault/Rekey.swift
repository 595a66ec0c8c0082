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
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened, needPassphrase: opened.hasPassphraseCustodian)))
        try Vault.rekey(atPath: vault, credentials: credentials, threshold: threshold)
        History.rememberWritten(path: vault)
        // The counts of the file this process wrote, not of whatever is at the path now.
        guard let after = CommittedVault.latest(forVaultAt: vault) else { return }
        Output.line(
            "re-keyed \(vault): new vault key for \(after.custodianCount) custodian\(after.custodianCount == 1 ? "" : "s"), \(after.entryCount) entr\(after.entryCount == 1 ? "y" : "ies") re-sealed; \(thresholdWords(after.threshold))"
        )
        printNewKeyFingerprint(after)
        noteUnendorsedSlots(vault, what: "the new key")
    }
}

/// After a write that made new slots (a re-key, new shares of a threshold vault): the custodians the key is not endorsed
/// by now, and how to endorse it. Only the custodians given endorse their new slots in the same write.
func noteUnendorsedSlots(_ vault: String, what: String) {
    guard let written = try? Vault.open(atPath: vault) else { return }
    let unendorsed = written.custodians.filter { $0.isEndorsed == false }
    guard !unendorsed.isEmpty else { return }
    let names = unendorsed.map { "slot \($0.slotNumber) (custodian \($0.id))" }.joined(separator: ", ")
    Output.note(
        "note: \(what) is not endorsed by \(names), whose identity was not given: on a machine that has not seen this vault, nothing but \(written.hasPassphraseCustodian ? "the passphrase or " : "")those endorsements vouches for it; endorse it with 'keyvault upgrade \(vault) --endorse' and identities including theirs"
    )
}

/// After a re-key (`rekey`, `custodian remove`, a threshold change): the new key's fingerprint, which custodians
/// compare from now on in place of the one `init` printed.
func printNewKeyFingerprint(_ after: CommittedVault?) {
    guard let fingerprint = after?.keyFingerprint else { return }
    Output.line("new vault key fingerprint: \(fingerprint) (give it to the custodians: it replaces the one printed before)")
}
