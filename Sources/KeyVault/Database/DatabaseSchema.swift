// The tables a database keeps vaults in (docs/DATABASE.md), made and checked here.

/// The tables, their version, and making them.
enum DatabaseSchema {
    /// The version of the tables this keyvault makes and reads.
    static let version: Int64 = 1

    /// Every vault's writes in order; only ever inserted into, by the role the command line uses.
    static let statements = [
        "CREATE TABLE IF NOT EXISTS keyvault_schema (version bigint NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())",
        """
        CREATE TABLE IF NOT EXISTS keyvault_vaults (
            name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
            created_at timestamptz NOT NULL DEFAULT now(),
            created_by text NOT NULL DEFAULT current_user)
        """,
        """
        CREATE TABLE IF NOT EXISTS keyvault_writes (
            vault text NOT NULL REFERENCES keyvault_vaults (name),
            seq bigint NOT NULL CHECK (seq >= 1),
            kind text NOT NULL CHECK (kind IN ('image', 'patch')),
            bytes bytea NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now(),
            written_by text NOT NULL DEFAULT current_user,
            PRIMARY KEY (vault, seq))
        """,
    ]

    /// The advisory lock migrations take, so that two at once do not both make the tables.
    static let migrationLock = "7064889162650935873"

    /// The tables' version, or nil when there are none.
    static func installedVersion(_ connection: PostgresConnection) throws -> Int64? {
        let exists = try connection.execute("SELECT (to_regclass('keyvault_schema') IS NOT NULL)")
        guard let flag = exists.rows.first?.first ?? nil, flag == [1] else { return nil }
        let rows = try connection.execute("SELECT max(version) FROM keyvault_schema")
        guard let first = rows.rows.first, first[0] != nil else { return nil }
        return try rows.int64(0, 0)
    }

    /// Throws unless the tables are there in a version this keyvault reads.
    static func require(_ connection: PostgresConnection) throws {
        guard let installed = try installedVersion(connection) else {
            throw KeyVaultError(
                .fileConflict,
                "\(connection.described) holds no keyvault tables: 'keyvault init' makes them with the first vault, or 'keyvault db migrate' alone")
        }
        guard installed <= version else {
            throw KeyVaultError(
                .unsupportedVersion, "\(connection.described) holds keyvault tables of version \(installed), made by a newer keyvault (this one reads version \(version)); upgrade keyvault")
        }
    }

    /// Makes the tables when they are missing, in one transaction; returns the version found before (nil: none).
    @discardableResult
    static func migrate(_ connection: PostgresConnection) throws -> Int64? {
        do {
            _ = try connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            _ = try connection.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            let before = try installedVersion(connection)
            if let before, before > version {
                _ = try? connection.execute("ROLLBACK")
                throw KeyVaultError(
                    .unsupportedVersion, "\(connection.described) holds keyvault tables of version \(before), made by a newer keyvault (this one reads version \(version)); upgrade keyvault")
            }
            if before != version {
                for statement in statements { _ = try connection.execute(statement) }
                _ = try connection.execute("INSERT INTO keyvault_schema (version) VALUES ($1::bigint)", [.text(String(version))])
            }
            _ = try connection.execute("COMMIT")
            return before
        } catch let error as PostgresConnection.ServerError {
            _ = try? connection.execute("ROLLBACK")
            throw KeyVaultError(.io, "cannot make keyvault's tables in \(connection.described): \(error.message) (the role needs CREATE on the database's schema; see docs/DATABASE.md)")
        }
    }
}
