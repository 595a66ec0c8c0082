// The argument lists of seal and restore that scripts run most, parsed without ArgumentParser's reflection (start-up,
// issue 13); anything else goes to ArgumentParser as before.
import ArgumentParser

/// A parser for the plain forms of `seal` and `restore`, which fills the same command values ArgumentParser would.
///
/// ArgumentParser builds its picture of a command by reflecting over every property of the command and of its option
/// groups, on every run: about two thirds of a whole `keyvault seal` (docs/BENCHMARKS.md). This parser takes only the
/// simplest spelling of the two hot commands — one vault path, known long options each followed by its value, known
/// flags — and declines everything else (help, `--option=value`, `--`, short options, an unknown or repeated option,
/// a value that starts with `-` other than `-` itself, a value a type refuses, a `validate()` that throws). A declined
/// line is parsed by ArgumentParser from scratch, so every message, exit code and help text stays ArgumentParser's.
/// `QuickArgumentsTests` checks, over a corpus, that every line taken here gives the very value ArgumentParser gives.
enum QuickArguments {
    /// The command `arguments` (without the program name) ask for, or nil when ArgumentParser must parse them.
    static func command(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "seal": return seal(rest)
        case "restore": return restore(rest)
        default: return nil
        }
    }

    /// Options every unlocking command shares (``UnlockOptions``, ``TokenOptions``, ``HistoryOptions``).
    private static let unlockOptions: [String] = ["--passphrase-file", "--identity", "--identity-passphrase-file", "--pkcs11-module", "--pin-file"]
    private static let historyFlags: [String] = ["--accept-rollback", "--endorse"]

    private static func seal(_ arguments: ArraySlice<String>) -> Seal? {
        let options = ["--role", "--host", "--key", "--label", "--key-password-file"]
        guard
            let scan = Scan(
                arguments, options: options + unlockOptions, repeatable: ["--identity"],
                flags: historyFlags + ["--not-in-inventory", "--force"])
        else { return nil }
        guard let role = scan.value("--role") else { return nil }
        var command = Seal()
        command.vaultArgument = scan.vault
        command.role = RoleArgument(argument: role)
        command.host = scan.value("--host").map(HostArgument.init(argument:))
        command.key = scan.value("--key")
        command.from = nil
        command.label = scan.value("--label") ?? ""
        command.keyPasswordFile = scan.value("--key-password-file")
        command.notInInventory = scan.flags.contains("--not-in-inventory")
        command.force = scan.flags.contains("--force")
        command.keyPasswordFrom = nil
        command.unlock = scan.unlock
        command.history = scan.history
        return (try? command.validate()) == nil ? nil : command
    }

    private static func restore(_ arguments: ArraySlice<String>) -> Restore? {
        let options = ["--role", "--out", "--version", "--key-password-out"]
        guard
            let scan = Scan(
                arguments, options: options + unlockOptions, repeatable: ["--identity"],
                flags: historyFlags + ["--show-key-password", "--force", "--salvage"])
        else { return nil }
        guard let role = scan.value("--role") else { return nil }
        var version: UInt32?
        if let text = scan.value("--version") {
            // Digits only: what UInt32(_:) accepts beyond them ("+1") is left to ArgumentParser.
            guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = UInt32(text) else { return nil }
            version = number
        }
        var command = Restore()
        command.vaultArgument = scan.vault
        command.role = RoleArgument(argument: role)
        command.out = scan.value("--out")
        command.to = nil
        command.version = version
        command.keyPasswordOut = scan.value("--key-password-out")
        command.keyPasswordTo = nil
        command.showKeyPassword = scan.flags.contains("--show-key-password")
        command.force = scan.flags.contains("--force")
        command.salvage = scan.flags.contains("--salvage")
        command.unlock = scan.unlock
        command.history = scan.history
        return (try? command.validate()) == nil ? nil : command
    }

    /// One pass over the arguments: the vault path, each option's values in order, the flags given.
    ///
    /// Lists, not sets or dictionaries of strings: their first use makes the Swift runtime look `String: Hashable` up
    /// among the binary's 4,000 protocol conformances (235,000 instructions), for a dozen options.
    private struct Scan {
        let vault: VaultArgument
        let values: [(option: String, value: String)]
        let flags: [String]

        init?(_ arguments: ArraySlice<String>, options: [String], repeatable: [String], flags known: [String]) {
            var path: String?
            var values: [(option: String, value: String)] = []
            var flags: [String] = []
            var i = arguments.startIndex
            while i < arguments.endIndex {
                let token = arguments[i]
                i += 1
                guard token.hasPrefix("-") else {
                    // The one positional argument: a second is ArgumentParser's to refuse.
                    guard path == nil, !token.isEmpty else { return nil }
                    path = token
                    continue
                }
                if known.contains(token) {
                    guard !flags.contains(token) else { return nil }
                    flags.append(token)
                    continue
                }
                guard options.contains(token), i < arguments.endIndex else { return nil }
                let value = arguments[i]
                i += 1
                guard !value.isEmpty, value == "-" || !value.hasPrefix("-") else { return nil }
                guard !values.contains(where: { $0.option == token }) || repeatable.contains(token) else { return nil }
                values.append((token, value))
            }
            guard let path else { return nil }
            var vault = VaultArgument()
            vault.path = path
            self.vault = vault
            self.values = values
            self.flags = flags
        }

        func value(_ option: String) -> String? { values.last { $0.option == option }?.value }

        var unlock: UnlockOptions {
            var token = TokenOptions()
            token.module = value("--pkcs11-module")
            token.pinFile = value("--pin-file")
            var unlock = UnlockOptions()
            unlock.passphraseFile = value("--passphrase-file")
            unlock.identities = values.filter { $0.option == "--identity" }.map(\.value)
            unlock.identityPassphraseFile = value("--identity-passphrase-file")
            unlock.token = token
            return unlock
        }

        var history: HistoryOptions {
            var history = HistoryOptions()
            history.acceptRollback = flags.contains("--accept-rollback")
            history.endorse = flags.contains("--endorse")
            return history
        }
    }
}
