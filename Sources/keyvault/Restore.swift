// keyvault restore: write a key back out, only on the computer it belongs to; and its escrowed export password.
import ArgumentParser
import KeyVault

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a role's key onto this computer, or over SSH onto another (only if its host name is the one recorded for the key).",
        discussion: """
            The host name is read from the operating system; there is no option to give another. The newest version \
            is restored unless --version is given. FILE is written with mode 0600, atomically. The restore is \
            recorded in the vault's audit log; when the vault cannot be written (a read-only copy), the key is still \
            restored and keyvault says that the restore could not be recorded.

            With --to ssh://[user@]HOST[:PORT]/PATH, keyvault unlocks the vault here and connects with the system's \
            ssh client (its configuration, agent and known_hosts apply; KEYVAULT_SSH_COMMAND replaces the command, as \
            GIT_SSH_COMMAND does for git; KEYVAULT_SSH_TIMEOUT, default 300, is how many seconds of silence end the \
            connection). It asks the remote computer for its name (hostname) and applies the same \
            host and role rule to that name before any key byte is sent; then it streams the key over the connection \
            into PATH, readable only by the connecting user (icacls on Windows, mode 0600 elsewhere), and checks the \
            SHA-256 of what was written there. The rule, the reported name and the SSH host key go into the audit log. \
            On Windows, PATH is written /C:/folder/file.bin.
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The role to restore.", valueName: "role"))
    var role: RoleArgument

    @Option(help: ArgumentHelp("Where to write the key file (on this computer).", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Write the key file over SSH onto the computer at ssh://[user@]HOST[:PORT]/PATH instead (checked against the name that computer reports).", valueName: "url"))
    var to: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Restore this version instead of the newest.", valueName: "n"))
    var version: UInt32?

    @Option(help: ArgumentHelp("Also write the key's escrowed export password to FILE (mode 0600, atomically).", valueName: "file"))
    var keyPasswordOut: String?

    @Option(help: ArgumentHelp("With --to: also write the key's escrowed export password over SSH to this ssh:// URL on the same computer.", valueName: "url"))
    var keyPasswordTo: String?

    @Flag(help: "Also print the escrowed export password; only when standard output is a terminal.")
    var showKeyPassword = false

    @Flag(help: "Replace FILE (and the password file) if it exists.")
    var force = false

    @Flag(help: "Restore even if the vault's index fails authentication, when the entry's own seal is intact.")
    var salvage = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    /// What this command line asks for, as plain values, which do the work (``QuickArguments`` fills them without
    /// ArgumentParser).
    var job: RestoreJob {
        RestoreJob(
            vault: vault, role: role, out: out, to: to, version: version, keyPasswordOut: keyPasswordOut, keyPasswordTo: keyPasswordTo,
            showKeyPassword: showKeyPassword, force: force, salvage: salvage, unlock: unlock.sources, history: history.choices)
    }

    func validate() throws { try job.validate() }

    func run() throws { try job.run() }
}
