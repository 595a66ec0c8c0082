// keyvault init: create a new, empty vault.
import ArgumentParser
import KeyVault

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new, empty vault (never overwrites an existing file).")

    @Argument(help: ArgumentHelp("The vault file to create.", valueName: "vault"))
    var vault: String

    @OptionGroup var passphrase: PassphraseOptions

    @Option(name: .long, help: ArgumentHelp("Argon2id cost: interactive (64 MiB), moderate (256 MiB, default) or sensitive (1 GiB).", valueName: "cost"))
    var kdf: String = "moderate"

    func run() throws {
        guard let parameters = KDFParameters.presets.first(where: { $0.name == kdf.lowercased() })?.parameters else {
            throw CLIError.usage("unknown --kdf '\(kdf)': use interactive, moderate or sensitive")
        }
        try Vault.checkCanCreate(vault, what: "vault", hint: "keyvault init never overwrites a vault")
        let secret = try passphrase.read(prompt: "New vault passphrase: ", confirm: true)
        try Vault.checkNewPassphrase(secret)
        try Vault.create(atPath: vault, passphrase: secret, kdf: parameters)
        Output.line("created vault \(vault) (\(parameters)); keep its passphrase safe: without it no key can be restored")
    }
}
