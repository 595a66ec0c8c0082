// keyvault seal: add an exported key to a vault.
import ArgumentParser
import KeyVault

struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal", abstract: "Seal an exported encryption key into the vault for a computer and role.",
        discussion: """
            Sealing the same computer and role again adds version 2, 3, ...; earlier versions are kept.

            With --from ssh://[user@]HOST[:PORT]/PATH instead of --key, keyvault pulls the exported key from the \
            server that exported it, with the system's ssh client (KEYVAULT_SSH_COMMAND replaces the command), and \
            checks its SHA-256 as computed there. The key is recorded under the computer name that server reports \
            (hostname); --host is then optional, and when given it must name that computer (else exit 3). \
            --key-password-from pulls the export password file from the same computer.
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The role whose key this is: the Service Manager (sm) or data warehouse (dw) management server, or the Self-Service Portal (ssp).", valueName: "role"))
    var role: RoleArgument

    @Option(help: ArgumentHelp("The computer the key was exported from: short name or FQDN. With --from, optional: the name the server reports is used, and --host must match it.", valueName: "name"))
    var host: HostArgument?

    @Option(help: ArgumentHelp("The exported key file (the .bin from the Encryption Key Backup or Restore Wizard).", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("Pull the exported key file over SSH from ssh://[user@]HOST[:PORT]/PATH on the server that exported it, instead of --key.", valueName: "url"))
    var from: String?

    @Option(help: ArgumentHelp("Free text recorded with the key (at most 256 bytes).", valueName: "text"))
    var label: String = ""

    @Option(
        help: ArgumentHelp("Escrow the key file's export password (the one SecureStorageBackup.exe asked for) from FILE (- for standard input); one trailing newline is stripped.", valueName: "file"))
    var keyPasswordFile: String?

    @Flag(help: "Seal even though the vault's inventory does not list this computer with this role (recorded in the audit log).")
    var notInInventory = false

    @Flag(help: "Seal a key file even though it does not look like an exported key (plain text, smaller than any export, or a keyvault vault).")
    var force = false

    @Option(help: ArgumentHelp("With --from: pull the key's export password file over SSH from this ssh:// URL on the same computer.", valueName: "url"))
    var keyPasswordFrom: String?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    /// What this command line asks for, as plain values, which do the work (``QuickArguments`` fills them without
    /// ArgumentParser).
    var job: SealJob {
        SealJob(
            vault: vault, role: role, host: host, key: key, from: from, label: label, keyPasswordFile: keyPasswordFile, notInInventory: notInInventory,
            force: force, keyPasswordFrom: keyPasswordFrom, unlock: unlock.sources, history: history.choices)
    }

    func validate() throws { try job.validate() }

    func run() throws { try job.run() }
}
