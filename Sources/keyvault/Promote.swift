// keyvault promote: record that an additional SM server became the primary. No key moves.
import ArgumentParser
import KeyVault

struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Record that an additional SM server was promoted to primary (no key moves between hosts).",
        discussion: "Run it after p_PromoteActiveWorkflowServer (see 'keyvault plan'). The former primary's keys stay in the vault for history, marked former primary.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The additional SM server that is now the primary.", valueName: "name"))
    var host: HostArgument

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func validate() throws { _ = try host.value() }

    func run() throws {
        let name = try host.value()
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        let (promoted, former) = try Vault.promote(name, atPath: vault, credentials: credentials)
        History.rememberWritten(path: vault)
        Output.line("recorded: \(promoted.name) is now the primary SM server\(former.map { "; \($0.name) is marked former primary (its keys stay for history)" } ?? ""); no key moved")
    }
}
