// The argument lists of seal and restore that scripts run most, parsed without ArgumentParser (start-up, issue 13);
// anything else goes to ArgumentParser as before.

/// A parser for the plain forms of `seal` and `restore`, which fills the same plain values (``SealJob``,
/// ``RestoreJob``) that ArgumentParser's commands hand on.
///
/// ArgumentParser builds its picture of a command by reflecting over every property of the command and of its option
/// groups, on every run: about two thirds of a whole `keyvault seal` (docs/BENCHMARKS.md); even an empty command value
/// builds every option's definition (about 4 % of a seal), so this parser never makes one of its values. It takes only
/// the simplest spelling of the two hot commands — one vault path, known long options each followed by its value, known
/// flags — and declines everything else (help, `--option=value`, `--`, short options, an unknown or repeated option,
/// a value that starts with `-` other than `-` itself, a value a type refuses, a `validate()` that throws). A declined
/// line is parsed by ArgumentParser from scratch, so every message, exit code and help text stays ArgumentParser's.
/// `QuickArgumentsTests` checks, over a corpus, that every line taken here gives the very value ArgumentParser gives.
enum QuickArguments {
    /// A line this parser took.
    enum Job {
        case seal(SealJob)
        case restore(RestoreJob)

        /// Runs it, as `DatabaseVaults.run` runs ArgumentParser's command for the same line.
        func run() throws {
            switch self {
            case .seal(let job): try DatabaseVaults.run(onAVault: job)
            case .restore(let job): try DatabaseVaults.run(onAVault: job)
            }
        }
    }

    /// The work `arguments` (without the program name) ask for, or nil when ArgumentParser must parse them.
    static func job(_ arguments: [String]) -> Job? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "seal": return seal(rest).map(Job.seal)
        case "restore": return restore(rest).map(Job.restore)
        default: return nil
        }
    }

    /// Options every unlocking command shares (``UnlockOptions``, ``TokenOptions``, ``HistoryOptions``).
    private static let unlockOptions: [String] = ["--passphrase-file", "--identity", "--identity-passphrase-file", "--pkcs11-module", "--pin-file"]
    private static let historyFlags: [String] = ["--accept-rollback", "--endorse"]

    private static func seal(_ arguments: ArraySlice<String>) -> SealJob? {
        let options = ["--role", "--host", "--key", "--label", "--key-password-file"]
        guard
            let scan = Scan(
                arguments, options: options + unlockOptions, repeatable: ["--identity"],
                flags: historyFlags + ["--not-in-inventory", "--force"])
        else { return nil }
        guard let role = scan.value("--role") else { return nil }
        let job = SealJob(
            vault: scan.vault, role: RoleArgument(argument: role), host: scan.value("--host").map(HostArgument.init(argument:)), key: scan.value("--key"),
            from: nil, label: scan.value("--label") ?? "", keyPasswordFile: scan.value("--key-password-file"),
            notInInventory: scan.flags.contains("--not-in-inventory"), force: scan.flags.contains("--force"), keyPasswordFrom: nil, unlock: scan.unlock,
            history: scan.history)
        return (try? job.validate()) == nil ? nil : job
    }

    private static func restore(_ arguments: ArraySlice<String>) -> RestoreJob? {
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
        let job = RestoreJob(
            vault: scan.vault, role: RoleArgument(argument: role), out: scan.value("--out"), to: nil, version: version,
            keyPasswordOut: scan.value("--key-password-out"), keyPasswordTo: nil, showKeyPassword: scan.flags.contains("--show-key-password"),
            force: scan.flags.contains("--force"), salvage: scan.flags.contains("--salvage"), unlock: scan.unlock, history: scan.history)
        return (try? job.validate()) == nil ? nil : job
    }

    /// One pass over the arguments: the vault path, each option's values in order, the flags given.
    ///
    /// Lists, not sets or dictionaries of strings: their first use makes the Swift runtime look `String: Hashable` up
    /// among the binary's 4,000 protocol conformances (235,000 instructions), for a dozen options.
    private struct Scan {
        let vault: String
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
            self.vault = path
            self.values = values
            self.flags = flags
        }

        func value(_ option: String) -> String? { values.last { $0.option == option }?.value }

        var unlock: UnlockSources {
            UnlockSources(
                passphraseFile: value("--passphrase-file"), identities: values.filter { $0.option == "--identity" }.map(\.value),
                identityPassphraseFile: value("--identity-passphrase-file"), token: TokenSources(module: value("--pkcs11-module"), pinFile: value("--pin-file")))
        }

        var history: HistoryChoices { HistoryChoices(acceptRollback: flags.contains("--accept-rollback"), endorse: flags.contains("--endorse")) }
    }
}
