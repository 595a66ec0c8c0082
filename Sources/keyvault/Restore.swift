// keyvault restore: write a key back out, only on the computer it belongs to.
import ArgumentParser
import KeyVault

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a role's key onto this computer (only if its host name is the one recorded for the key).",
        discussion: """
            The host name is read from the operating system; there is no option to give another. The newest version \
            is restored unless --version is given. FILE is written with mode 0600, atomically.
            """)

    @Argument(help: ArgumentHelp("The vault file.", valueName: "vault"))
    var vault: String

    @Option(help: ArgumentHelp("The role to restore: sm or dw.", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("Where to write the key file.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Restore this version instead of the newest.", valueName: "n"))
    var version: UInt32?

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    @Flag(help: "Restore even if the vault's index fails authentication, when the entry's own seal is intact.")
    var salvage = false

    @OptionGroup var unlock: UnlockOptions

    func run() throws {
        let role = try parseRole(role)
        if version == 0 { throw CLIError.usage("--version counts from 1") }
        if out == "-" { throw CLIError.usage("keys are written only to files (mode 0600), never to standard output; give --out FILE") }
        let host = try HostIdentity()
        let opened = try Vault.open(atPath: vault, allowingDamage: salvage)
        // Refuse before asking for the passphrase; the same rule runs again on the authenticated metadata.
        _ = try opened.entry(for: role, version: version, on: host)
        try Vault.checkCanCreate(out, what: "output file", hint: "pass --force to replace it", replacing: force)
        let unlocked = try unlock.unlock(opened)
        if salvage && !unlocked.isAuthentic {
            Output.note("warning: the vault's index fails authentication; restoring from the entry's own seal only (entries may have been removed or reordered)")
        }
        let restored = try unlocked.restore(role: role, version: version, on: host, salvage: salvage)
        try restored.write(toPath: out, replacing: force)
        let e = restored.entry
        Output.line("restored the \(e.role) key of \(e.host) (version \(e.version), sealed \(e.createdAt.iso8601)) to \(out): \(e.size) bytes, mode 0600, fingerprint \(e.fingerprint.short)")
        Output.note("next: import it with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe) on \(host) before running Setup")
    }
}
