// keyvault seal: add an exported key to a vault.
import ArgumentParser
import KeyVault

struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal", abstract: "Seal an exported encryption key into the vault for a computer and role.",
        discussion: "Sealing the same computer and role again adds version 2, 3, ...; earlier versions are kept.")

    @Argument(help: ArgumentHelp("The vault file.", valueName: "vault"))
    var vault: String

    @Option(help: ArgumentHelp("The role whose key this is: sm (Service Manager), dw (data warehouse) or ssp (Self-Service Portal).", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("The computer the key was exported from: short name or FQDN.", valueName: "name"))
    var host: String

    @Option(help: ArgumentHelp("The exported key file (the .bin from the Encryption Key Backup or Restore Wizard).", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("Free text recorded with the key (at most 256 bytes).", valueName: "text"))
    var label: String = ""

    @Option(help: ArgumentHelp("Escrow the key file's export password (the one SecureStorageBackup.exe asked for) from FILE (- for standard input); one trailing newline is stripped.", valueName: "file"))
    var keyPasswordFile: String?

    @Flag(help: "Seal even though the vault's inventory does not list this computer with this role (recorded in the audit log).")
    var notInInventory = false

    @Flag(help: "Seal a key file even though it does not look like an exported key (plain text, or smaller than any export).")
    var force = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        var request = SealRequest(role: try parseRole(role), host: try HostName(host), label: label,
                                  originalFileName: key == "-" ? "" : String(key.split(separator: "/").last ?? ""))
        try request.validate(keyCount: 1)
        if key == "-" && (unlock.passphraseSource == "-" || unlock.identityPassphraseSource == "-") {
            throw CLIError.usage("--key and --passphrase-file cannot both read standard input")
        }
        if keyPasswordFile == "-" && (key == "-" || unlock.passphraseSource == "-" || unlock.identityPassphraseSource == "-") {
            throw CLIError.usage("--key-password-file - cannot share standard input with --key or --passphrase-file")
        }
        if let keyPasswordFile {
            request.keyPassword = try SecretInput.passphrase(fromFile: keyPasswordFile, what: "export password")
            try request.validate(keyCount: 1)
        }
        // The vault read here says which credentials to ask for, and the seal reuses it (it re-reads the vault under
        // its lock only if the file changed meanwhile).
        let opened = try Vault.open(atPath: vault)
        if key != "-" && opened.isFile(atPath: key) { throw CLIError.usage("--key \(key) is the vault itself; give the exported key file") }
        let credentials = try unlock.credentials(for: opened)
        try history.checkBeforeWrite(opened, path: vault) { credentials }
        let bytes = try SecretInput.keyFile(key)
        if !force, let doubt = Self.doubt(about: bytes) {
            throw CLIError.usage("\(key == "-" ? "the key from standard input" : "key file \(key)") \(doubt), not an exported key (a .bin from SecureStorageBackup.exe); is it the right file? --force seals it anyway")
        }
        request.allowOutsideInventory = notInInventory
        let result: SealResult
        do { result = try opened.seal(bytes, request, credentials: credentials) } catch let error as KeyVaultError where error.code == .notInInventory {
            throw CLIError(message: "\(error.message) (--not-in-inventory)", exitCode: ExitCodes.code(for: .refused))
        }
        History.rememberWritten(path: vault)
        let entry = result.entry
        if result.identicalTo != nil {
            let what = result.updated.isEmpty ? "nothing was added" : "nothing was added; updated its \(result.updated.joined(separator: " and "))"
            Output.line("the same bytes are already sealed as version \(entry.version) of the \(entry.role) key of \(entry.host) (fingerprint \(entry.fingerprint.short)): \(what)")
        } else {
            Output.line("sealed the \(entry.role) key of \(entry.host) as version \(entry.version) (\(entry.size) bytes, fingerprint \(entry.fingerprint.short))\(keyPasswordFile == nil ? "" : ", with its export password")")
        }
        if entry.host.value != request.host.value {
            Output.note("note: recorded under \(entry.host), the inventory's name for \(request.host), so that the computer keeps one version series")
        }
    }

    /// Why `bytes` cannot be a SecureStorageBackup export: plain text, or fewer bytes than any export; nil when they
    /// may be one (an empty file is left to the library, which says so).
    static func doubt(about bytes: SecretBytes) -> String? {
        bytes.withUnsafeBytes { b -> String? in
            guard !b.isEmpty else { return nil }
            if b.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return "is plain text" }
            if b.count < 32 { return "is smaller than any exported key" }
            return nil
        }
    }
}
