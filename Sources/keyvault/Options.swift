// Options shared by several commands: the vault path and where the passphrase comes from.
import ArgumentParser
import KeyVault
import Synchronization
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct PassphraseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal. Never give a passphrase on the command line.",
            valueName: "file"))
    var passphraseFile: String?

    /// `--passphrase-file`, or else `KEYVAULT_PASSPHRASE_FILE`.
    var passphraseSource: String? { passphraseFile ?? Environment.value("KEYVAULT_PASSPHRASE_FILE") }

    /// The passphrase from the file, or asked on the terminal (twice when `confirm`).
    func read(prompt: String = "Vault passphrase: ", confirm: Bool = false) throws -> SecretBytes {
        if let passphraseSource {
            return try Environment.reading("KEYVAULT_PASSPHRASE_FILE", unless: passphraseFile != nil) { try SecretInput.passphrase(fromFile: passphraseSource) }
        }
        let first = try SecretInput.passphraseFromTerminal(prompt: prompt)
        if confirm {
            let second = try SecretInput.passphraseFromTerminal(prompt: "Repeat the passphrase: ")
            guard first == second else { throw CLIError.usage("the two passphrases differ; nothing was done") }
        }
        return first
    }
}

/// Errors the command line itself raises (bad combinations of options), reported like library errors.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32
    var description: String { message }
    static func usage(_ message: String) -> CLIError { CLIError(message: message, exitCode: 2) }
    /// The audit log's chain breaks at `record` (1-based, counting dropped records).
    static func brokenAuditLog(record: Int) -> CLIError {
        CLIError(
            message: "vault damaged or tampered with: audit log record \(record) does not follow from the one before (a record was removed or edited)",
            exitCode: ExitCodes.code(for: .damaged))
    }
}

/// The ssh:// location of a key (`option`) and of its export password (`passwordOption`), which must be another
/// file on the same computer, reached the same way: one remote identity serves both.
func parseSSHLocations(_ key: String, option: String, password: String?, passwordOption: String) throws -> (SSHLocation, SSHLocation?) {
    let keyLocation = try SSHLocation(parsing: key)
    guard let password else { return (keyLocation, nil) }
    let passwordLocation = try SSHLocation(parsing: password)
    guard passwordLocation.sameConnection(as: keyLocation) else {
        throw CLIError.usage("\(passwordOption) must name the same computer as \(option) (\(keyLocation.connection)), with another path")
    }
    guard !passwordLocation.sameFile(as: keyLocation) else { throw CLIError.usage("\(passwordOption) and \(option) name the same file") }
    return (keyLocation, passwordLocation)
}

/// Where a custodian's private key on a PKCS#11 token is reached: the module, and the PIN.
struct TokenOptions: ParsableArguments {
    @Option(
        name: .customLong("pkcs11-module"),
        help: ArgumentHelp(
            "The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.",
            valueName: "path"))
    var module: String?

    @Option(
        name: .customLong("pin-file"),
        help: ArgumentHelp(
            "Read the token's user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.",
            valueName: "file"))
    var pinFile: String?

    /// The same as plain values.
    var sources: TokenSources { TokenSources(module: module, pinFile: pinFile) }
    /// See ``TokenSources/moduleSource``.
    var moduleSource: String? { sources.moduleSource }
    /// See ``TokenSources/pinSource``.
    var pinSource: String? { sources.pinSource }
}

/// Reads identities: files, or keys on PKCS#11 tokens (`pkcs11:` URIs). An encrypted PEM key's password comes from
/// `passwordSource` (a file, or - for standard input) or else the terminal; a token's PIN from `token`'s PIN file or
/// else the terminal. Shared by the commands that unlock and by `init`, whose identities endorse.
func loadIdentities(_ sources: [String], passwordSource: String?, token: TokenSources) throws -> [CustodianIdentity] {
    let stdinReaders = [passwordSource, token.pinSource].filter { $0 == "-" }.count
    if stdinReaders > 1 { throw CLIError.usage("--identity-passphrase-file and --pin-file cannot both read standard input") }
    // (Compared in a list, not a set: a set of strings makes the runtime look `String: Hashable` up among every
    // conformance in the binary, 240,000 instructions, for one or two names.)
    for (i, source) in sources.enumerated() where sources[..<i].contains(source) {
        // A token URI is not repeated back: a PIN someone put in it must not reach the terminal's scrollback.
        throw CLIError.usage(PKCS11URI.isTokenURI(source) ? "the same token URI is given twice with --identity" : "--identity \(source) is given twice")
    }
    return try sources.map { source in
        // A command that unlocks twice (a write after a roll-back check) reuses what it loaded: a token is logged in
        // once, and a password or PIN asked once.
        if let loaded = LoadedIdentities.shared.withLock({ $0.last { $0.source == source }?.identity }) { return loaded }
        let identity: CustodianIdentity
        if PKCS11URI.isTokenURI(source) {
            identity = try CustodianIdentity.token(PKCS11URI(parsing: source), modulePath: token.moduleSource) { request in
                if let pinSource = token.pinSource {
                    if request.isFinalTry {
                        throw CLIError(
                            message: "token '\(request.tokenLabel)' has one PIN try left before it locks; type the PIN on the terminal, not from --pin-file",
                            exitCode: ExitCodes.code(for: .unlockFailed))
                    }
                    return try SecretInput.passphrase(fromFile: pinSource, what: "PIN")
                }
                return try SecretInput.passphraseFromTerminal(prompt: request.prompt, fileOption: "--pin-file")
            }
        } else {
            identity = try CustodianIdentity.load(fromFile: source) { promptText in
                if let passwordSource { return try SecretInput.passphrase(fromFile: passwordSource) }
                return try SecretInput.passphraseFromTerminal(prompt: promptText, fileOption: "--identity-passphrase-file")
            }
        }
        LoadedIdentities.shared.withLock { $0.append((source, identity)) }
        return identity
    }
}

/// The identities this run has loaded, by the source given (a command runs once per process).
enum LoadedIdentities {
    static let shared = Mutex<[(source: String, identity: CustodianIdentity)]>([])
}

/// The vault passphrase this run was given on the terminal (a command runs once per process): asked once, and only
/// checked against the vault again, when a command unlocks twice or asked before its vault in a database was locked.
enum AskedPassphrase {
    static let shared = Mutex<TypedPassphrase?>(nil)
}

/// A passphrase typed at the prompt and the key it gave for the passphrase slot that checked it, so that the unlock
/// does not run Argon2id a second time (``Credentials/passphraseSlotKey``).
struct TypedPassphrase: Sendable {
    let passphrase: SecretBytes
    let slotKey: PassphraseSlotKey
}

/// How a command that needs the vault's secret gets it: a passphrase and/or custodian identities.
struct UnlockOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.",
            valueName: "file"))
    var passphraseFile: String?

    @Option(
        name: .customLong("identity"),
        help: ArgumentHelp(
            "A custodian identity: an X25519 identity from 'keyvault keygen', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).",
            valueName: "file|uri"))
    var identities: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.",
            valueName: "file"))
    var identityPassphraseFile: String?

    @OptionGroup var token: TokenOptions

    /// The same as plain values, which do the work (``QuickArguments`` fills them without ArgumentParser).
    var sources: UnlockSources {
        UnlockSources(passphraseFile: passphraseFile, identities: identities, identityPassphraseFile: identityPassphraseFile, token: token.sources)
    }
    /// See ``UnlockSources/passphraseSource``.
    var passphraseSource: String? { sources.passphraseSource }
    /// See ``UnlockSources/identitySources``.
    var identitySources: [String] { sources.identitySources }
    /// See ``UnlockSources/identityPassphraseSource``.
    var identityPassphraseSource: String? { sources.identityPassphraseSource }
    /// See ``UnlockSources/readsStandardInput``.
    var readsStandardInput: Bool { sources.readsStandardInput }
    /// See ``UnlockSources/isEmpty``.
    var isEmpty: Bool { sources.isEmpty }

    /// See ``UnlockSources/credentials(for:prompt:needPassphrase:)``.
    func credentials(for vault: Vault, prompt: Bool = true, needPassphrase: Bool = false) throws -> Credentials {
        try sources.credentials(for: vault, prompt: prompt, needPassphrase: needPassphrase)
    }

    /// See ``UnlockSources/authenticate(_:)``.
    func authenticate(_ vault: Vault) throws -> Bool { try sources.authenticate(vault) }

    /// See ``UnlockSources/unlock(_:operatorVouches:takesEndorse:)``.
    func unlock(_ vault: Vault, operatorVouches: Bool = false, takesEndorse: Bool = false) throws -> UnlockedVault {
        try sources.unlock(vault, operatorVouches: operatorVouches, takesEndorse: takesEndorse)
    }

    /// The first line of what a command prints when it read the vault without its secret.
    static let notAuthenticatedNotice =
        "NOT AUTHENTICATED: read without the vault's secret, so anyone who can write the vault file could have changed what follows; add --passphrase-file or --identity to check it"
}

/// The environment variables keyvault reads (documented in the README beside the options they stand for).
enum Environment {
    /// The variable's value, or nil when it is unset or empty.
    static func value(_ name: String) -> String? {
        guard let text = Syscalls.environment(name), !text.isEmpty else { return nil }
        return text
    }

    /// Runs `body` on a file name that came from `variable` unless `given` on the command line: an error then says
    /// that the name came from the environment, where nobody looking at the command line would see it.
    static func reading<T>(_ variable: String, unless given: Bool, _ body: () throws -> T) throws -> T {
        guard !given else { return try body() }
        do { return try body() } catch let error as KeyVaultError {
            throw CLIError(message: "\(Advice.line(for: error)) (the file named by \(variable))", exitCode: ExitCodes.code(for: error.code.category))
        }
    }
}
