// The root command and the process entry point: parses, runs, and maps every error to one line and one exit code.
import ArgumentParser
import KeyVault
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct KeyVaultCommand: ParsableCommand {
    /// What `keyvault --version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "keyvault",
        abstract: "Escrow System Center Service Manager encryption keys; restore each only onto the computer it came from.",
        discussion: """
            A vault holds the exported encryption keys of the Service Manager (sm) and data warehouse (dw) management \
            servers and the Self-Service Portal (ssp), with their export passwords, the management group's inventory and an audit log, unlocked by a passphrase, custodians' X25519 identities or certificates, or any K of them. A key restores only on a computer whose host name is the one recorded \
            for it, and only for its own role. 'keyvault --version' prints the version.

            \(ExitCodes.helpText)
            """,
        // No `version:` here: ArgumentParser would list a "--version  Show the version." flag in every command's help,
        // beside restore's and retire's own --version <n>; `keyvault --version` is answered in `main` instead.
        subcommands: [
            Init.self, Seal.self, List.self, Restore.self, Verify.self, Info.self, Keygen.self, CustodianCommand.self, Rekey.self,
            InventoryCommand.self, Plan.self, Promote.self, Drill.self, Log.self, CheckpointCommand.self, Retire.self, Upgrade.self,
            Compact.self, Copy.self, DatabaseCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() {
        // Before anything else, and before the first secret: no crash reports, no cores, no closed standard descriptors.
        ProcessSafety.prepare()
        _ = Syscalls.keepFreedMemory()
        // `keyvault --version` alone (what scripts and the benchmark's start-up row run) is answered without building
        // ArgumentParser's view of every command: 6.9 M instructions, against a start that is otherwise about 1 M.
        if let line = ArgumentEncoding.line() {
            Output.error(line)
            exit(ExitCodes.code(for: .usage))
        }
        if CommandLine.arguments.count == 2, CommandLine.arguments[1] == "--version" {
            Output.line(KeyVaultCommand.version)
            return
        }
        do {
            // The plain forms of seal and restore skip ArgumentParser altogether; anything else is its to parse.
            let quick = QuickArguments.job(Array(CommandLine.arguments.dropFirst()))
            // (The quick parser declines a repeated option, so only a line it declined can have one.)
            if quick == nil, let line = RepeatedOptions.line(for: Array(CommandLine.arguments.dropFirst())) { throw CLIError.usage(line) }
            let command = quick == nil ? try KeyVaultCommand.parseAsRoot() : nil
            ProgressReport.processReporter = ProgressLine.reporter
            if let quick { try quick.run() } else if let command { try DatabaseVaults.run(command) }
            ProgressLine.shared.clear()
            History.pinVouchedKey()
            warnOnce()
            Output.failIfOutputWasLost()
        } catch let error as KeyVaultError {
            Output.error(Advice.line(for: error))
            warnOnce()
            exit(ExitCodes.code(for: error.code.category))
        } catch let error as CLIError {
            Output.error(error.message)
            warnOnce()
            exit(error.exitCode)
        } catch let error as ExitCode {
            warnOnce()
            exit(error.rawValue)
        } catch {
            if KeyVaultCommand.exitCode(for: error) == .success { KeyVaultCommand.exit(withError: error) }
            // An option the command does not take is the word to name, whatever else the line lacks.
            if CommandSuggestion.line(for: Array(CommandLine.arguments.dropFirst())) == nil,
                let line = OptionSuggestion.line(for: Array(CommandLine.arguments.dropFirst()))
            {
                Output.error(line)
                exit(ExitCodes.code(for: .usage))
            }
            // A command's validate() threw one of ours (a bad role or host, options that do not go together):
            // ArgumentParser passes it on as a failure with its description, which is our one line; a usage error.
            if KeyVaultCommand.exitCode(for: error) == .failure {
                Output.error(KeyVaultCommand.message(for: error))
                exit(ExitCodes.code(for: .usage))
            }
            if let line = CommandSuggestion.line(for: Array(CommandLine.arguments.dropFirst())) {
                Output.error(line)
                exit(ExitCodes.code(for: .usage))
            }
            let message = KeyVaultCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            Output.error("\(message) (see 'keyvault help')")
            exit(2)
        }
    }

    /// Warnings about the whole run, printed once at its end.
    static func warnOnce() {
        for note in SecretInput.conversionNotes { Output.note(note) }
        if let warning = SecretBytes.memoryLockWarning { Output.note(warning) }
    }
}
