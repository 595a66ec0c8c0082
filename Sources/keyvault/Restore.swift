// keyvault restore: write a key back out, only on the computer it belongs to; and its escrowed export password.
import ArgumentParser
import KeyVault
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a role's key onto this computer (only if its host name is the one recorded for the key).",
        discussion: """
            The host name is read from the operating system; there is no option to give another. The newest version \
            is restored unless --version is given. FILE is written with mode 0600, atomically. The restore is \
            recorded in the vault's audit log; when the vault cannot be written (a read-only copy), the key is still \
            restored and keyvault says that the restore could not be recorded.
            """)

    @Argument(help: ArgumentHelp("The vault file.", valueName: "vault"))
    var vault: String

    @Option(help: ArgumentHelp("The role to restore: sm, dw or ssp.", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("Where to write the key file.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Restore this version instead of the newest.", valueName: "n"))
    var version: UInt32?

    @Option(help: ArgumentHelp("Also write the key's escrowed export password to FILE (mode 0600, atomically).", valueName: "file"))
    var keyPasswordOut: String?

    @Flag(help: "Also print the escrowed export password; only when standard output is a terminal.")
    var showKeyPassword = false

    @Flag(help: "Replace FILE (and the password file) if it exists.")
    var force = false

    @Flag(help: "Restore even if the vault's index fails authentication, when the entry's own seal is intact.")
    var salvage = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let role = try parseRole(role)
        if version == 0 { throw CLIError.usage("--version counts from 1") }
        if out == "-" { throw CLIError.usage("keys are written only to files (mode 0600), never to standard output; give --out FILE") }
        if keyPasswordOut == "-" { throw CLIError.usage("the export password is written only to a file (mode 0600); give --key-password-out FILE") }
        if let keyPasswordOut, keyPasswordOut == out { throw CLIError.usage("--key-password-out and --out name the same file") }
        if showKeyPassword && isatty(STDOUT_FILENO) != 1 {
            throw CLIError.usage("--show-key-password prints the export password only on a terminal, and standard output is not one; use --key-password-out FILE")
        }
        let host = try HostIdentity()
        let opened = try Vault.open(atPath: vault, allowingDamage: salvage)
        // No output may overwrite an input of this very run: the vault, or a file that unlocks it.
        let inputs = ([unlock.passphraseSource, unlock.identityPassphraseSource] + unlock.identitySources.map { Optional($0) })
            .compactMap { $0 }.filter { $0 != "-" }
        for (option, path) in [("--out", out), ("--key-password-out", keyPasswordOut)] {
            guard let path else { continue }
            if opened.isFile(atPath: path) {
                throw CLIError.usage("\(option) \(path) is the vault itself; write the key to another file")
            }
            if let input = inputs.first(where: { FileIdentity.same($0, path) }) {
                throw CLIError.usage("\(option) \(path) is \(input), which this command reads to unlock the vault; write the key to another file")
            }
        }
        // Refuse before asking for the passphrase; the same rule runs again on the authenticated metadata.
        let selected = try opened.entry(for: role, version: version, on: host)
        let wantsPassword = keyPasswordOut != nil || showKeyPassword
        if wantsPassword && !opened.hasKeyPassword(for: selected) {
            throw CLIError(message: "no export password is escrowed for the \(selected.displayName); restore without --key-password-out or --show-key-password", exitCode: ExitCodes.code(for: .notFound))
        }
        try Vault.checkCanCreate(out, what: "output file", hint: "pass --force to replace it", replacing: force)
        if let keyPasswordOut { try Vault.checkCanCreate(keyPasswordOut, what: "output file", hint: "pass --force to replace it", replacing: force) }
        let unlocked = try unlock.unlock(opened)
        // A restore on a rolled-back copy still restores (a rebuilt server may only have an old copy); it records
        // itself only when the roll-back is accepted.
        let rolledBack = History.store?.rollback(of: opened) != nil
        if rolledBack { History.warnIfRolledBack(opened) }
        let recording = !rolledBack || history.acceptRollback
        if rolledBack && history.acceptRollback { try history.checkBeforeWrite(opened, path: vault) { try unlock.credentials(for: opened) } }
        if salvage && !unlocked.isAuthentic {
            Output.note("warning: the vault's index fails authentication; restoring from the entry's own seal only (entries may have been removed or reordered)")
        }
        let restored: RestoredKey
        let password: SecretBytes?
        do {
            restored = try unlocked.restore(role: role, version: version, on: host, salvage: salvage)
            password = wantsPassword ? try unlocked.keyPassword(for: restored) : nil
            try restored.write(toPath: out, replacing: force)
            if let keyPasswordOut, let password { try password.writeSecretFile(toPath: keyPasswordOut, replacing: force) }
        } catch let error as KeyVaultError {
            // The vault is unlocked: a failure from here on can be recorded (best effort; the error is what counts).
            if recording { try? unlocked.record(.restore, entry: selected, outcome: "failed: \(error.message)") }
            throw error
        }
        let e = restored.entry
        Output.line("restored the \(e.role) key of \(e.host) (version \(e.version), sealed \(e.createdAt.iso8601)) to \(out): \(e.size) bytes, mode 0600, fingerprint \(e.fingerprint.short)")
        if let keyPasswordOut { Output.line("wrote its export password to \(keyPasswordOut) (mode 0600)") }
        else if !wantsPassword && opened.hasKeyPassword(for: e) {
            Output.note("note: its export password is escrowed too; --key-password-out FILE writes it to a file (mode 0600)")
        }
        if showKeyPassword, let password { Output.secretLine("export password: ", password) }
        let wrote = [out, keyPasswordOut].compactMap { $0 }.joined(separator: " and ")
        if recording {
            do {
                try unlocked.record(.restore, entry: e, outcome: "ok: restored on \(host) to \(wrote)\(showKeyPassword ? "; export password shown on the terminal" : "")")
            } catch let error as KeyVaultError {
                Output.note("warning: the key was restored, but this restore could not be recorded in the vault's audit log: \(error.message)")
            }
            History.rememberWritten(path: vault)
        } else {
            Output.note("note: this restore was not recorded in the vault, which is older than the copy this user last saw (--accept-rollback records it)")
        }
        Output.note("next: import it with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe) on \(host) before running Setup")
    }
}
