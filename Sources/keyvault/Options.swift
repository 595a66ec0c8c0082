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

/// The ssh:// location of a key (`option`) and of its export password (`passwordOption`), which must be another
/// file on the same computer, reached the same way: one remote identity serves both.
func parseSSHLocations(_ key: String, option: String, password: String?, passwordOption: String) throws -> (SSHLocation, SSHLocation?) {
    let keyLocation = try SSHLocation(parsing: key)
    guard let password else { return (keyLocation, nil) }
    let passwordLocation = try SSHLocation(parsing: password)
    guard passwordLocation.sameConnection(as: keyLocation) else {
        throw CLIError.usage("\(passwordOption) must name the same computer as \(option) (\(keyLocation.connection)), with another path")
    }
    guard passwordLocation.path != keyLocation.path else { throw CLIError.usage("\(passwordOption) and \(option) name the same file") }
    return (keyLocation, passwordLocation)
}

/// How a command that needs the vault's secret gets it: a passphrase and/or custodian identities.
struct UnlockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read the vault passphrase from FILE (- for standard input); without it, keyvault asks on the terminal when the vault has a passphrase custodian. Never give a passphrase on the command line.",
        valueName: "file"))
    var passphraseFile: String?

    @Option(name: .customLong("identity"), help: ArgumentHelp(
        "A custodian identity: an X25519 identity from 'keyvault keygen', or the PEM private key of a certificate custodian. Repeat for a threshold.",
        valueName: "file"))
    var identities: [String] = []

    @Option(name: .long, help: ArgumentHelp("Read the password of encrypted PEM private keys from FILE (- for standard input); without it, keyvault asks on the terminal.", valueName: "file"))
    var identityPassphraseFile: String?

    var isEmpty: Bool { passphraseFile == nil && identities.isEmpty }

    /// The credentials for `vault`: identities as given, and the passphrase from its file or, when the vault has a
    /// passphrase custodian and the identities alone cannot be enough (or `needPassphrase`), from the terminal.
    func credentials(for vault: Vault, prompt: Bool = true, needPassphrase: Bool = false) throws -> Credentials {
        if passphraseFile == "-" && identityPassphraseFile == "-" {
            throw CLIError.usage("--passphrase-file and --identity-passphrase-file cannot both read standard input")
        }
        let loaded = try identities.map { path in
            try CustodianIdentity.load(fromFile: path) { promptText in
                if let identityPassphraseFile { return try SecretInput.passphrase(fromFile: identityPassphraseFile) }
                return try SecretInput.passphraseFromTerminal(prompt: promptText, fileOption: "--identity-passphrase-file")
            }
        }
        var passphrase = try passphraseFile.map { try SecretInput.passphrase(fromFile: $0) }
        let hasPassphraseCustodian = vault.custodians.contains { $0.kind == .passphrase }
        if passphrase == nil, prompt, hasPassphraseCustodian, needPassphrase || loaded.count < (vault.threshold ?? 1) {
            // With identities given but too few, and no terminal, go on without the passphrase: the unlock then
            // fails saying how many custodians were given and how many are needed.
            if loaded.isEmpty || needPassphrase || SecretInput.hasTerminal {
                passphrase = try SecretInput.passphraseFromTerminal(prompt: "Vault passphrase: ")
            }
        }
        if passphrase == nil && loaded.isEmpty && prompt && !hasPassphraseCustodian {
            throw CLIError.usage("this vault is unlocked by custodian identities: give --identity FILE\(vault.threshold.map { " (\($0) of them)" } ?? "")")
        }
        return Credentials(passphrase: passphrase, identities: loaded)
    }

    /// Unlocks `vault` and prints any warnings (an expired certificate, say).
    func unlock(_ vault: Vault) throws -> UnlockedVault {
        let unlocked = try vault.unlock(with: try credentials(for: vault))
        for warning in unlocked.warnings { Output.note(warning) }
        return unlocked
    }
}
