// Vaults in a PostgreSQL database (`postgresql://host/dbname#NAME`): every command runs on a private copy of the vault's
// file, with the vault locked in the database, and what it changed is stored back as one write (DatabaseStore).
import ArgumentParser
import KeyVault

/// A command that works on one existing vault, named by its `VAULT` argument.
protocol WorksOnAVault: ParsableCommand {
    var vaultArgument: VaultArgument { get set }
}

extension List: WorksOnAVault {}
extension Info: WorksOnAVault {}
extension Seal: WorksOnAVault {}
extension Plan: WorksOnAVault {}
extension Compact: WorksOnAVault {}
extension Upgrade: WorksOnAVault {}
extension CheckpointCommand: WorksOnAVault {}
extension Restore: WorksOnAVault {}
extension Retire: WorksOnAVault {}
extension CustodianList: WorksOnAVault {}
extension CustodianAdd: WorksOnAVault {}
extension CustodianRemove: WorksOnAVault {}
extension CustodianCheck: WorksOnAVault {}
extension Promote: WorksOnAVault {}
extension InventoryShow: WorksOnAVault {}
extension InventoryGroup: WorksOnAVault {}
extension InventoryHostCommand: WorksOnAVault {}
extension InventoryDatabaseCommand: WorksOnAVault {}
extension Rekey: WorksOnAVault {}
extension Log: WorksOnAVault {}
extension Verify: WorksOnAVault {}
extension Drill: WorksOnAVault {}

enum DatabaseVaults {
    /// Runs `command`: on its vault's private copy when the vault is in a database, as it is otherwise.
    static func run(_ command: any ParsableCommand) throws {
        if var command = command as? any WorksOnAVault, DatabaseLocation.isDatabaseLocation(command.vaultArgument.path) {
            let location = try DatabaseLocation(parsing: command.vaultArgument.path)
            try DatabaseStore.withWorkingCopy(of: location) { copy in
                Output.workingCopy = (copy.path, location.description)
                // A key must not leave a vault whose server cannot record that it did.
                if copy.isReadOnly, command is Restore {
                    throw CLIError(
                        message:
                            "vault \(location) is on a standby server, which is read-only: a restore could not be recorded in its audit log; promote the standby (pg_ctl promote) or connect to the primary; nothing was restored",
                        exitCode: ExitCodes.code(for: .other))
                }
                command.vaultArgument.path = copy.path
                try command.run()
            }
            return
        }
        if var initCommand = command as? Init, DatabaseLocation.isDatabaseLocation(initCommand.vault) {
            let location = try DatabaseLocation(parsing: initCommand.vault)
            try DatabaseStore.withWorkingCopy(of: location, creating: true) { copy in
                Output.workingCopy = (copy.path, location.description)
                initCommand.vault = copy.path
                try initCommand.run()
            }
            return
        }
        var command = command
        try command.run()
    }
}
