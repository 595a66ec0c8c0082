// keyvault seal's work, on plain values: what ArgumentParser's `Seal` or QuickArguments parsed.
import KeyVault

/// `keyvault seal` as asked: each property is the option of the same name in ``Seal``.
struct SealJob {
    var vault: String
    var role: RoleArgument
    var host: HostArgument?
    var key: String?
    var from: String?
    var label = ""
    var keyPasswordFile: String?
    var notInInventory = false
    var force = false
    var keyPasswordFrom: String?
    var unlock = UnlockSources()
    var history = HistoryChoices()

    /// Checks that need no file: the role, the host, and which sources go together.
    func validate() throws {
        _ = try role.value()
        if key != nil && from != nil { throw CLIError.usage("give --key FILE or --from ssh://HOST/PATH, not both") }
        if from != nil {
            _ = try host?.value()
            if keyPasswordFrom != nil && keyPasswordFile != nil { throw CLIError.usage("give --key-password-file or --key-password-from, not both") }
            return
        }
        guard key != nil else { throw CLIError.usage("say which key to seal: --key FILE, or --from ssh://HOST/PATH") }
        guard let host else { throw CLIError.usage("--host NAME is required with --key (with --from, the name the server reports is used)") }
        if keyPasswordFrom != nil { throw CLIError.usage("--key-password-from goes with --from; with --key, use --key-password-file FILE") }
        _ = try host.value()
    }

    func run() throws {
        let role = try self.role.value()
        if let from { return try sealFromSSH(role: role, from: from) }
        guard let key, let host else { return }
        var request = try checkedRequest(role: role, host: host, key: key)
        if let keyPasswordFile {
            request.keyPassword = try SecretInput.passphrase(fromFile: keyPasswordFile, what: "export password")
            try request.validate(keyCount: 1)
        }
        // The vault read here says which credentials to ask for, and the seal reuses it (it re-reads the vault under
        // its lock only if the file changed meanwhile).
        let opened = try WrongFile.openVault(vault, command: "seal VAULT --role ROLE --host NAME --key FILE")
        if key != "-" && opened.isFile(atPath: key) { throw CLIError.usage("--key \(key) is the vault itself; give the exported key file") }
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        let bytes = try SecretInput.keyFile(key)
        try seal(
            bytes, request, into: opened, from: nil, credentials: credentials,
            source: key == "-" ? "the key from standard input" : "key file \(key)")
    }

    /// The request for `key`, after the checks a seal from a file makes before it reads anything or asks for anything:
    /// the host name and label, and which inputs may share standard input.
    private func checkedRequest(role: Role, host: HostArgument, key: String) throws -> SealRequest {
        let request = SealRequest(
            role: role, host: try host.value(), label: label,
            originalFileName: key == "-" ? "" : String(key.split(separator: "/").last ?? ""))
        try request.validate(keyCount: 1)
        if key == "-" && unlock.readsStandardInput {
            throw CLIError.usage("--key and --passphrase-file cannot both read standard input")
        }
        if keyPasswordFile == "-" && (key == "-" || unlock.readsStandardInput) {
            throw CLIError.usage("--key-password-file - cannot share standard input with --key or --passphrase-file")
        }
        return request
    }

    /// For a vault in a database: asks what unlocking will ask a person for before the vault is locked there, when the
    /// seal passes the checks it makes before asking (a refused seal is refused before anything is asked, as on a
    /// file), and not when the export password comes from standard input. Not for --from, which asks the remote
    /// computer its name first.
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws {
        guard from == nil, let key, let host, keyPasswordFile != "-", let role = try? role.value(), (try? checkedRequest(role: role, host: host, key: key)) != nil
        else { return }
        try unlock.askBeforeLocking(ahead.keptCopy)
    }

    private func sealFromSSH(role: Role, from: String) throws {
        let (source, passwordSource) = try parseSSHLocations(from, option: "--from", password: keyPasswordFrom, passwordOption: "--key-password-from")
        let given = try host?.value()
        if keyPasswordFile == "-" && unlock.readsStandardInput {
            throw CLIError.usage("--key-password-file - cannot share standard input with --passphrase-file")
        }
        // The format's own limits, checked before anything is fetched.
        try SealRequest(role: role, host: given ?? HostName("CHECK"), label: label).validate(keyCount: 1)
        let opened = try WrongFile.openVault(vault, command: "seal VAULT --role ROLE --from ssh://HOST/PATH")
        let remote = try RemoteHostIdentity.ask(source)
        try RemoteDomainCheck.refuseAnotherDomain(remote, inventory: opened.inventory, doing: "sealed")
        if let given, !given.matches(remote.name) {
            throw CLIError(
                message: "refused: --host \(given) does not name the computer at \(source.connection), which reports its name as \(remote.name); leave --host out to record the reported name",
                exitCode: ExitCodes.code(for: .refused))
        }
        let name = String(source.path.split(separator: "/").last ?? "")
        // Recorded as the computer answers, or by the fully qualified name ssh reached it by when that is its name
        // (RemoteHostIdentity.reachedName): the domain a restore will tell it apart by.
        var request = SealRequest(role: role, host: given ?? remote.reachedName ?? remote.name, label: label, originalFileName: name)
        try request.validate(keyCount: 1)
        if let keyPasswordFile {
            request.keyPassword = try SecretInput.passphrase(fromFile: keyPasswordFile, what: "export password")
        } else if let passwordSource {
            let raw = try remote.read(path: passwordSource.path, maxCount: 2 * (SecretInput.maximumPassphraseCount + 2) + 2, what: "export password file")
            request.keyPassword = try SecretInput.passphrase(from: raw, what: "export password file \(passwordSource)")
        }
        if request.keyPassword != nil { try request.validate(keyCount: 1) }
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        let bytes = try remote.read(path: source.path, maxCount: 16 << 20, what: "key file")
        try seal(bytes, request, into: opened, from: remote, credentials: credentials, source: "the key file at \(source)")
    }

    /// Seals `bytes` (from a file, standard input, or a remote computer) after the checks a person's mistakes need,
    /// and says what happened.
    private func seal(
        _ bytes: SecretBytes, _ given: SealRequest, into opened: Vault, from remote: RemoteHostIdentity?,
        credentials: Credentials, source: String
    ) throws {
        if !force, let doubt = Self.doubt(about: bytes) {
            throw CLIError.usage("\(source) \(doubt), not an exported key (a .bin from SecureStorageBackup.exe); is it the right file? --force seals it anyway")
        }
        var request = given
        request.allowOutsideInventory = notInInventory
        let result: SealResult
        do { result = try opened.seal(bytes, request, credentials: credentials) } catch let error as KeyVaultError where error.code == .notInInventory {
            // Over SSH the name is the computer's own answer: say so, as a wrong role may be a wrong computer.
            let reported = remote.map { "; the computer at \($0.location.connection) reports its name as \($0.name)" } ?? ""
            throw CLIError(message: "\(error.message) (--not-in-inventory)\(reported)", exitCode: ExitCodes.code(for: .refused))
        }
        History.rememberWritten(path: vault)
        let entry = result.entry
        if result.identicalTo != nil {
            let what = result.updated.isEmpty ? "nothing was added" : "nothing was added; updated its \(result.updated.joined(separator: " and "))"
            Output.line("the same bytes are already sealed as version \(entry.version) of the \(entry.role) key of \(entry.host) (fingerprint \(entry.fingerprint.short)): \(what)")
        } else {
            Output.line(
                "sealed the \(entry.role) key of \(entry.host) as version \(entry.version) (\(entry.size) bytes, fingerprint \(entry.fingerprint.short))\(request.keyPassword == nil ? "" : ", with its export password")"
            )
        }
        if let remote {
            Output.note("pulled from \(remote.location.connection), which reported its name as \(remote.name) (SHA-256 checked there and here); ssh verified its host key \(remote.hostKey)")
        }
        if entry.host.value != request.host.value {
            Output.note("note: recorded under \(entry.host), the inventory's name for \(request.host), so that the computer keeps one version series")
        }
    }

    /// Why `bytes` cannot be a SecureStorageBackup export: plain text, fewer bytes than any export, or a keyvault vault
    /// (``FormatV1/magic``); nil when they may be one (an empty file is left to the library, which says so).
    static func doubt(about bytes: SecretBytes) -> String? {
        bytes.withUnsafeBytes { b -> String? in
            guard !b.isEmpty else { return nil }
            if b.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return "is plain text" }
            if b.count < 32 { return "is smaller than any exported key" }
            if b.starts(with: FormatV1.magic) { return "is a keyvault vault" }
            return nil
        }
    }
}
