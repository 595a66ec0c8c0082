// Options shared by several commands: the vault path and where the passphrase comes from.
import ArgumentParser
import KeyVault

struct PassphraseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read the vault passphrase from FILE (- for standard input); without it, keyvault asks on the terminal. Never give a passphrase on the command line.",
        valueName: "file"))
    var passphraseFile: String?

    /// The passphrase from the file, or asked on the terminal (twice when `confirm`).
    func read(prompt: String = "Vault passphrase: ", confirm: Bool = false) throws -> SecretBytes {
        if let passphraseFile { return try SecretInput.passphrase(fromFile: passphraseFile) }
        let first = try SecretInput.passphraseFromTerminal(prompt: prompt)
        if confirm {
            let second = try SecretInput.passphraseFromTerminal(prompt: "Repeat the passphrase: ")
            guard first == second else { throw CLIError.usage("the two passphrases differ; nothing was done") }
        }
        return first
    }
}

/// Errors the command line itself raises (bad combinations of options), reported like library errors.
struct CLIError: Error {
    let message: String
    let exitCode: Int32
    static func usage(_ message: String) -> CLIError { CLIError(message: message, exitCode: 2) }
}

func parseRole(_ text: String) throws -> Role { try Role(parsing: text) }
