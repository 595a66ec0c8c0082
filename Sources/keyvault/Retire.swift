// keyvault retire: take an entry out of service (sealed under the wrong role, say) without losing it or its history.
import ArgumentParser
import KeyVault

struct Retire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Take a sealed key out of restores, plans and drill coverage, keeping it and its history.",
        discussion:
            "For a mistake: a key sealed under the wrong role or computer. The entry stays in the vault ('keyvault list --all' shows it) and the audit log records who retired it, when and why. Its key may then be sealed again for the right computer and role."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The entry's role.", valueName: "role"))
    var role: RoleArgument

    @Option(help: ArgumentHelp("The entry's computer, as recorded (short name or FQDN).", valueName: "name"))
    var host: HostArgument

    @Option(parsing: .unconditional, help: ArgumentHelp("The version to retire (default: the newest in service).", valueName: "n"))
    var version: UInt32?

    @Option(help: ArgumentHelp("Why it is retired (recorded in the vault and its log).", valueName: "text"))
    var reason: String

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func validate() throws {
        _ = try role.value()
        _ = try host.value()
        if version == 0 { throw CLIError.usage("--version counts from 1") }
    }

    func run() throws {
        let role = try self.role.value(), name = try host.value()
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        let entry = try Vault.retire(role: role, host: name, version: version, reason: reason, atPath: vault, credentials: credentials)
        History.rememberWritten(path: vault)
        Output.line("retired the \(entry.displayName): restores, plans and drill coverage leave it out; 'keyvault list --all' still shows it")
    }
}
