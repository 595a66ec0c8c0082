// Argument types shared by the commands: the vault, roles, host names and KDF levels, parsed with the arguments so a
// bad one is refused (in the library's own words) before any file is read, and completed by the shell.
import ArgumentParser
import KeyVault

/// The vault every command but `init` works on.
struct VaultArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The vault: a file, or postgresql://[user@]host[:port]/dbname#NAME.", valueName: "vault"))
    var path: String
}

/// A role as typed (`sm`, `DW`, `ssp`). Parsing never fails here: the command's `validate()` calls ``value()`` and so
/// refuses an unknown role with the library's message (exit 2), which ArgumentParser's generic one would replace.
struct RoleArgument: ExpressibleByArgument {
    private let parsed: Result<Role, any Error>

    init(argument: String) { parsed = Result { try Role(parsing: argument) } }

    /// The roles the help lists and the shell completes.
    static var allValueStrings: [String] { Role.known.map(\.rawValue) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }

    /// The role, or the library's error naming the accepted ones.
    func value() throws -> Role { try parsed.get() }
}

/// A computer name as typed (short name, FQDN or NetBIOS name); refused, as ``RoleArgument`` is, in `validate()`.
struct HostArgument: ExpressibleByArgument {
    private let parsed: Result<HostName, any Error>

    init(argument: String) { parsed = Result { try HostName(argument) } }

    /// The name, or the library's error saying what is wrong with it.
    func value() throws -> HostName { try parsed.get() }
}

/// The Argon2id cost of a new passphrase slot (`--kdf`).
enum KDFLevel: String, ExpressibleByArgument, CaseIterable {
    case interactive, moderate, sensitive

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    /// libsodium's parameters for this level.
    var parameters: KDFParameters {
        KDFParameters.presets.first { $0.name == rawValue }!.parameters
    }
}
