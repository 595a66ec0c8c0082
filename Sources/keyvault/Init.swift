// keyvault init: create a new, empty vault for a passphrase and/or custodians.
import ArgumentParser
import KeyVault

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a new, empty vault (never overwrites an existing file).",
        discussion: """
            With no custodian named, the vault is unlocked by a passphrase. Name X25519 recipients (from 'keyvault \
            keygen') and certificates to let those custodians unlock it; add --passphrase-file to keep a passphrase \
            custodian too. With --threshold K, any K of the custodians together unlock the vault, and fewer cannot.
            """)

    @Argument(help: ArgumentHelp("The vault to create: a file, or postgresql://[user@]host[:port]/dbname#NAME.", valueName: "vault"))
    var vault: String

    @Option(name: .customLong("recipient"), help: ArgumentHelp("An X25519 custodian's recipient (kvr1...). Repeatable.", valueName: "recipient"))
    var recipients: [String] = []

    @Option(name: .customLong("cert"), help: ArgumentHelp("A custodian's X.509 certificate (PEM): RSA 2048+ or EC P-256/P-384. Repeatable.", valueName: "pem"))
    var certificates: [String] = []

    @Option(
        name: .customLong("identity"),
        help: ArgumentHelp(
            "Your own custodian secret: an X25519 identity file (its recipient becomes a custodian) or the private key of a --cert custodian. It endorses its slot and the new key now, so nobody has to vouch for the key on first use. Repeatable.",
            valueName: "file"))
    var identities: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the password of an encrypted PEM private key given with --identity from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.",
            valueName: "file"))
    var identityPassphraseFile: String?

    @OptionGroup var token: TokenOptions

    @Option(help: ArgumentHelp("Require K custodians together to unlock (Shamir's secret sharing).", valueName: "k"))
    var threshold: Int?

    @OptionGroup var passphrase: PassphraseOptions

    @Option(name: .long, help: ArgumentHelp("Argon2id cost: interactive (64 MiB), moderate (256 MiB) or sensitive (1 GiB).", valueName: "cost"))
    var kdf: KDFLevel = .moderate

    @Option(
        help: ArgumentHelp(
            "The vault's format version: 2 (the default: changes are appends, the slot area is stored twice), or 1, for keyvault releases that read only version 1 (docs/FORMAT.md).",
            valueName: "version"))
    var format: Int = 2

    func validate() throws {
        guard format == 1 || format == 2 else { throw ValidationError("--format takes 1 or 2") }
    }

    func run() throws {
        let parameters = kdf.parameters
        var custodians: [NewCustodian] = try recipients.map { .recipient(try Recipient(parsing: $0)) }
        let passwordSource = identityPassphraseFile ?? Environment.value("KEYVAULT_IDENTITY_PASSPHRASE_FILE")
        if passwordSource == "-" && passphrase.passphraseSource == "-" {
            throw CLIError.usage("--passphrase-file and --identity-passphrase-file cannot both read standard input")
        }
        if token.pinSource == "-" && passphrase.passphraseSource == "-" {
            throw CLIError.usage("--passphrase-file and --pin-file cannot both read standard input")
        }
        let endorsers = try loadIdentities(identities, passwordSource: passwordSource, token: token.sources)
        // An X25519 identity names its own recipient: it becomes a custodian unless --recipient named it already.
        for endorser in endorsers {
            if let recipient = endorser.recipient, !custodians.contains(where: { $0.x25519Recipient == recipient }) {
                custodians.append(.recipient(recipient))
            }
        }
        for path in certificates {
            let certificate = try CertificateCustodian.load(fromFile: path)
            if certificate.isExpired {
                Output.note("warning: certificate \(path) (\(certificate.subject)) expired on \(certificate.notAfter?.iso8601 ?? "an unknown date"); it will still unlock the vault")
            }
            custodians.append(.certificate(certificate))
        }
        try Vault.checkCanCreate(vault, what: "vault", hint: "keyvault init never overwrites a vault")
        if custodians.isEmpty || passphrase.passphraseSource != nil {
            let secret = try passphrase.read(prompt: "New vault passphrase: ", confirm: true)
            try Vault.checkNewPassphrase(secret)
            custodians.insert(.passphrase(secret, parameters), at: 0)
        }
        let created = try Vault.create(
            atPath: vault, custodians: custodians, threshold: threshold, keyPins: History.store, endorsers: endorsers,
            formatVersion: format)
        History.rememberWritten(path: vault)
        let who = created.custodians.count == 1 ? "1 custodian" : "\(created.custodians.count) custodians"
        let rule = created.threshold.map { ", any \($0) of them together unlock it" } ?? ""
        Output.line("created vault \(vault) for \(who)\(rule); keep their secrets safe: without them no key can be restored")
        if let fingerprint = CommittedVault.latest(forVaultAt: vault)?.keyFingerprint, created.custodians.contains(where: { $0.kind != .passphrase }) {
            // Slots made from public keys cannot vouch for the key they wrap: the custodians check this on first use.
            let unendorsed = created.custodians.filter { $0.kind != .passphrase }.count - endorsers.count
            Output.line(
                "vault key fingerprint: \(fingerprint)"
                    + (unendorsed > 0
                        ? " (give it to the custodians: each checks it on first use, then vouches once with 'keyvault upgrade VAULT --identity FILE --endorse'\(created.threshold.map { $0 > 1 ? ", among the \($0) credentials that unlock it" : "" } ?? ""))"
                        : ""))
        }
    }
}
