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

    @Argument(help: ArgumentHelp("The vault file.", valueName: "vault"))
    var vault: String

    @Option(help: ArgumentHelp("The role whose key this is: sm (Service Manager), dw (data warehouse) or ssp (Self-Service Portal).", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("The computer the key was exported from: short name or FQDN. With --from, optional: the name the server reports is used, and --host must match it.", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("The exported key file (the .bin from the Encryption Key Backup or Restore Wizard).", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("Pull the exported key file over SSH from ssh://[user@]HOST[:PORT]/PATH on the server that exported it, instead of --key.", valueName: "url"))
    var from: String?

    @Option(help: ArgumentHelp("Free text recorded with the key (at most 256 bytes).", valueName: "text"))
    var label: String = ""

    @Option(help: ArgumentHelp("Escrow the key file's export password (the one SecureStorageBackup.exe asked for) from FILE (- for standard input); one trailing newline is stripped.", valueName: "file"))
    var keyPasswordFile: String?

    @Option(help: ArgumentHelp("With --from: pull the key's export password file over SSH from this ssh:// URL on the same computer.", valueName: "url"))
    var keyPasswordFrom: String?

    @OptionGroup var unlock: UnlockOptions

    func run() throws {
        let role = try parseRole(role)
        if key != nil && from != nil { throw CLIError.usage("give --key FILE or --from ssh://HOST/PATH, not both") }
        if let from { return try sealFromSSH(role: role, from: from) }
        guard let key else { throw CLIError.usage("say which key to seal: --key FILE, or --from ssh://HOST/PATH") }
        guard let host else { throw CLIError.usage("--host NAME is required with --key (with --from, the name the server reports is used)") }
        if keyPasswordFrom != nil { throw CLIError.usage("--key-password-from goes with --from; with --key, use --key-password-file FILE") }
        var request = SealRequest(role: role, host: try HostName(host), label: label,
                                  originalFileName: key == "-" ? "" : String(key.split(separator: "/").last ?? ""))
        try request.validate(keyCount: 1)
        if key == "-" && (unlock.passphraseFile == "-" || unlock.identityPassphraseFile == "-") {
            throw CLIError.usage("--key and --passphrase-file cannot both read standard input")
        }
        if keyPasswordFile == "-" && (key == "-" || unlock.passphraseFile == "-" || unlock.identityPassphraseFile == "-") {
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
        let bytes = try SecretInput.keyFile(key)
        try seal(bytes, request, into: opened, from: nil, credentials: credentials)
    }

    private func sealFromSSH(role: Role, from: String) throws {
        let (source, passwordSource) = try parseSSHLocations(from, option: "--from", password: keyPasswordFrom, passwordOption: "--key-password-from")
        if passwordSource != nil && keyPasswordFile != nil { throw CLIError.usage("give --key-password-file or --key-password-from, not both") }
        let given = try host.map { try HostName($0) }
        if keyPasswordFile == "-" && (unlock.passphraseFile == "-" || unlock.identityPassphraseFile == "-") {
            throw CLIError.usage("--key-password-file - cannot share standard input with --passphrase-file")
        }
        // The format's own limits, checked before anything is fetched.
        try SealRequest(role: role, host: given ?? HostName("CHECK"), label: label).validate(keyCount: 1)
        let opened = try Vault.open(atPath: vault)
        let remote = try RemoteHostIdentity.ask(source)
        if let given, !given.matches(remote.name) {
            throw CLIError(message: "refused: --host \(given) does not name the computer at \(source.connection), which reports its name as \(remote.name); leave --host out to record the reported name", exitCode: ExitCodes.code(for: .refused))
        }
        let name = String(source.path.split(separator: "/").last ?? "")
        var request = SealRequest(role: role, host: given ?? remote.name, label: label, originalFileName: name)
        try request.validate(keyCount: 1)
        if let keyPasswordFile {
            request.keyPassword = try SecretInput.passphrase(fromFile: keyPasswordFile, what: "export password")
        } else if let passwordSource {
            let raw = try remote.read(path: passwordSource.path, maxCount: SecretInput.maximumPassphraseCount + 2, what: "export password file")
            request.keyPassword = try SecretInput.passphrase(from: raw, what: "export password file \(passwordSource)")
        }
        if request.keyPassword != nil { try request.validate(keyCount: 1) }
        let credentials = try unlock.credentials(for: opened)
        let bytes = try remote.read(path: source.path, maxCount: 16 << 20, what: "key file")
        try seal(bytes, request, into: opened, from: remote, credentials: credentials)
    }

    private func seal(_ bytes: SecretBytes, _ request: SealRequest, into opened: Vault, from remote: RemoteHostIdentity?, credentials: Credentials) throws {
        let result = try opened.seal(bytes, request, credentials: credentials)
        let entry = result.entry
        let withPassword = request.keyPassword != nil
        Output.line("sealed the \(entry.role) key of \(entry.host) as version \(entry.version) (\(entry.size) bytes, fingerprint \(entry.fingerprint.short))\(withPassword ? ", with its export password" : "")")
        if let remote {
            Output.note("pulled from \(remote.location.connection), which reported its name as \(remote.name) (SHA-256 checked there and here); ssh verified its host key \(remote.hostKey)")
        }
        if let same = result.identicalTo {
            Output.note("note: version \(entry.version) holds the same bytes as version \(same.version)")
        }
    }
}
