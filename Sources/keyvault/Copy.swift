// keyvault copy: a vault copied between a file and a database, either way, or between two databases.
import ArgumentParser
import KeyVault
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy a vault between a file and a database (either way) or two databases.",
        discussion: """
            Copies every byte: entries, audit log and the chain of commits, so that the copy opens, verifies and \
            authenticates as the original does, under the same custodians. A database is named \
            postgresql://[user@]host[:port]/dbname#NAME (libpq's environment and ~/.pgpass apply; never put a \
            password in it). DESTINATION must not exist; a file is written mode 0600 atomically, a database copy in \
            one transaction, and either is read back before it is kept. No secret is needed: nothing is decrypted. \
            Check-ins waiting beside a threshold vault file (VAULT.checkins) are not part of it and are not copied: \
            the command says so when there are some.
            """)

    @Argument(help: ArgumentHelp("The vault to copy: a file, or postgresql://host/dbname#NAME.", valueName: "source"))
    var source: String

    @Argument(help: ArgumentHelp("Where to copy it (must not exist): a file, or postgresql://host/dbname#NAME.", valueName: "destination"))
    var destination: String

    func validate() throws {
        for location in [source, destination] where DatabaseLocation.isDatabaseLocation(location) {
            _ = try DatabaseLocation(parsing: location)
        }
        if source == destination { throw ValidationError("source and destination are the same: \(source)") }
    }

    func run() throws {
        let copy = try VaultCopy.copy(from: source, to: destination)
        // Check-ins waiting beside a file are not part of the vault: the copy starts without them.
        if !DatabaseLocation.isDatabaseLocation(source), let pending = try? Vault.open(atPath: source).pendingCheckInsPath, access(pending, F_OK) == 0 {
            Output.note(
                "note: the custodians' check-ins waiting in \(pending) are not part of the vault and were not copied; a write to \(source) by enough custodians (a drill) takes them in, after which a copy carries them"
            )
        }
        Output.line(
            "copied vault \(copy.id) from \(source) to \(destination): \(copy.entryCount) \(copy.entryCount == 1 ? "entry" : "entries"), format version \(copy.formatVersion), \(Info.count(copy.auditRecordCount, "audit record"))"
        )
    }
}

/// `keyvault db`: the database that holds vaults.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage a PostgreSQL database that holds vaults.",
        subcommands: [DatabaseMigrate.self])
}

struct DatabaseMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Make or update keyvault's tables in a database (init does it for the first vault).",
        discussion: """
            Run it as a role that may create tables (the database's owner); the role the command line then uses \
            needs only SELECT and INSERT on them (docs/DATABASE.md). Safe to run again and from several places at once.
            """)

    @Argument(help: ArgumentHelp("The database: postgresql://[user@]host[:port]/dbname (no #NAME).", valueName: "database"))
    var database: String

    func validate() throws {
        guard DatabaseLocation.isDatabaseLocation(database) else {
            throw ValidationError("'\(database)' is not a database: it must start with postgresql:// or postgres://")
        }
        if database.contains("#") { throw ValidationError("name the database without a vault (#NAME): \(database)") }
        _ = try DatabaseLocation(parsing: database + "#x")
    }

    func run() throws {
        let (before, now) = try DatabaseStore.migrate(connectionURI: database)
        if before == now {
            Output.line("\(database): keyvault's tables are at version \(now); nothing to do")
        } else {
            Output.line("\(database): keyvault's tables made at version \(now)\(before.map { " (were version \($0))" } ?? "")")
        }
    }
}
