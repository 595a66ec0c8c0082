// A file that is no vault at all, named where a command takes its vault: most often the arguments in the wrong order
// (the key file first), which "damaged" alone does not say.
import KeyVault

enum WrongFile {
    /// Opens the vault at `path` for `command` (`"seal VAULT --role ROLE …"`): a file without the vault's magic is said
    /// to be no vault, with the command's order, instead of only "not a keyvault vault" (same exit code, 5).
    static func openVault(_ path: String, command: String) throws -> Vault {
        do {
            return try Vault.open(atPath: path)
        } catch let error as KeyVaultError where error.message == notAVault {
            throw hint(path, command: command)
        }
    }

    /// The library's message for a file without the vault's magic (the published vectors pin it for verify).
    static let notAVault = "not a keyvault vault: the file does not start with the vault magic bytes"

    static func hint(_ path: String, command: String) -> CLIError {
        CLIError(
            message: "\(path) is not a keyvault vault (it does not start with the vault magic bytes): is it the right file? The vault comes first: keyvault \(command)",
            exitCode: ExitCodes.code(for: .damaged))
    }
}
