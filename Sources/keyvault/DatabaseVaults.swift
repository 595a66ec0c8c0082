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
            try DatabaseStore.withWorkingCopy(of: location) { path in
                Output.workingCopy = (path, location.description)
                command.vaultArgument.path = path
                try command.run()
            }
            return
        }
        if var initCommand = command as? Init, DatabaseLocation.isDatabaseLocation(initCommand.vault) {
            let location = try DatabaseLocation(parsing: initCommand.vault)
            try DatabaseStore.withWorkingCopy(of: location, creating: true) { path in
                Output.workingCopy = (path, location.description)
                initCommand.vault = path
                try initCommand.run()
            }
            return
        }
        var command = command
        try command.run()
    }
}
