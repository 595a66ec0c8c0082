// Vaults kept in a PostgreSQL database: the file's bytes as a chain of inserted writes, one vault locked at a time.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Keeps vaults in a PostgreSQL database, as the bytes a vault file would hold and nothing more: everything is sealed
/// and authenticated on the client, so the database holds what a reader of the file without any secret would see.
///
/// Each vault is a row of `keyvault_vaults` and a run of rows of `keyvault_writes`: its first write is the whole file,
/// each later one the bytes that write changed (a version-2 append changes a few kilobytes; a rewrite is stored whole
/// again). Rows are only ever inserted, so the role the command line uses needs `INSERT` and `SELECT`, never `UPDATE`
/// or `DELETE`. A command works on a private copy of the file, holding a transaction-scoped advisory lock on the vault
/// for its whole run, so that commands from many machines at once take turns exactly as processes sharing a file do;
/// the primary key on (vault, seq) is the second guard against a lost write. docs/DATABASE.md has the tables.
public enum DatabaseStore {
    /// How long a command waits for another one working on the same vault, as for a file's lock.
    static let lockTimeoutSeconds = 120

    /// Makes keyvault's tables in a database when they are missing (`keyvault db migrate`).
    ///
    /// - Parameter connectionURI: a libpq connection URI (`postgresql://…`), without a vault name.
    /// - Returns: the tables' version before (nil when there were none) and now.
    /// - Throws: ``KeyVaultError/Code-swift.struct/io`` when the database cannot be reached or the role may not create
    ///   tables; ``KeyVaultError/Code-swift.struct/unsupportedVersion`` for tables a newer keyvault made.
    public static func migrate(connectionURI: String) throws -> (before: Int?, now: Int) {
        let connection = try PostgresConnection.connect(connectionURI)
        let before = try DatabaseSchema.migrate(connection)
        return (before.map(Int.init), Int(DatabaseSchema.version))
    }

    /// Runs `body` on a private file holding the vault's bytes, with the vault locked in the database until it returns;
    /// whatever `body` changed in that file is then stored as one write. A change is stored even when `body` throws
    /// afterwards, as a file keeps what a failing command wrote before it failed; a vault being created is stored only
    /// when `body` returns.
    ///
    /// - Parameters:
    ///   - location: the vault.
    ///   - creating: the vault must not exist yet; `body` makes the file (`keyvault init`), and the tables are made first
    ///     when the database has none.
    ///   - body: the command, given the private file (in a folder of mode 0700 removed afterwards).
    /// - Returns: what `body` returns.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when there is no such vault (or, `creating`, there is
    ///   one); ``KeyVaultError/Code-swift.struct/io`` when the database cannot be reached, the lock is not had within
    ///   two minutes, or the change cannot be stored (the vault in the database is then unchanged, unless the
    ///   connection was lost during the commit itself, when the server may have kept it); and `body`'s errors.
    public static func withWorkingCopy<T>(of location: DatabaseLocation, creating: Bool = false, _ body: (_ copy: WorkingCopy) throws -> T) throws -> T {
        let connection = try PostgresConnection.connect(location.connectionURI)
        if creating { try DatabaseSchema.migrate(connection) } else { try DatabaseSchema.require(connection) }
        try serverErrors(location, "lock") {
            _ = try connection.execute("BEGIN")
            // The lock waits at most two minutes; once had, the transaction stays open for the command's whole run (a
            // passphrase typed at a prompt included), which a server's idle or statement timeout must not cut short.
            for setting in ["lock_timeout = '\(lockTimeoutSeconds)s'", "idle_in_transaction_session_timeout = 0", "statement_timeout = 0"] {
                _ = try connection.execute("SET LOCAL \(setting)")
            }
            // Schema-qualified, with exact argument types: a function of the same name that someone could create in a
            // schema on the search path is never called instead.
            _ = try connection.execute(
                "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($1::text, 0::bigint))", [.text("keyvault vault \(location.name)")])
        }
        let before: (bytes: [UInt8], seq: Int64, patchBytes: Int)?
        do {
            before = try read(location, connection)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        if creating, before != nil {
            _ = try? connection.execute("ROLLBACK")
            throw KeyVaultError(.fileConflict, "vault \(location) already exists; choose another name after '#'")
        }
        guard creating || before != nil else {
            _ = try? connection.execute("ROLLBACK")
            throw KeyVaultError(.fileConflict, "vault \(location) does not exist (no vault of that name in the database)")
        }
        // Whether a change could not be stored: a standby, a read-only transaction, or a role that may not insert.
        let readOnly = try serverErrors(location, "read") {
            try connection.execute(
                """
                SELECT pg_catalog.pg_is_in_recovery() OR pg_catalog.current_setting('transaction_read_only') = 'on'
                    OR NOT pg_catalog.has_table_privilege('keyvault_writes', 'INSERT')
                """
            ).rows.first?.first ?? nil == [1]
        }
        let folder = try WorkingFolder()
        let path = "\(folder.path)/\(location.name)"
        if let before { try folder.write(before.bytes, to: path) }
        let result: Result<T, any Error>
        do { result = .success(try body(WorkingCopy(path: path, isReadOnly: readOnly))) } catch { result = .failure(error) }
        if creating, case .failure(let error) = result {
            // A vault that was not made whole is not stored at all.
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        do {
            try storeChange(location, connection, from: before, path: path, creating: creating)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        let value = try result.get()
        try requireNothingBeside(location, in: folder)
        withExtendedLifetime(folder) {}  // removed only now, after the command and the store
        return value
    }

    /// Throws when the command left a file beside the vault that a database cannot keep: the check-ins a threshold
    /// vault's custodians make alone wait beside a vault file (`VAULT.checkins`) until the next write takes them in.
    private static func requireNothingBeside(_ location: DatabaseLocation, in folder: WorkingFolder) throws {
        let name = location.name
        let left = Syscalls.listDirectory(folder.path).filter {
            $0 != name && $0 != name + ".v1" && !$0.hasPrefix(AtomicFile.temporaryPrefix(for: name))
        }
        guard let first = left.first else { return }
        if first == name + PendingCheckIns.suffix {
            throw KeyVaultError(
                .io,
                "a custodian's check-in that cannot unlock the vault alone waits beside a vault file, which a vault in a database does not have: nothing was recorded; check in together with enough custodians to unlock it, or on a file copy ('keyvault copy')"
            )
        }
        throw KeyVaultError(.internalError, "the command left \(first) beside vault \(location), which a database cannot keep; it was not stored")
    }

    /// The vault's bytes, read in one statement (no lock is needed: a write's rows appear together, at its commit).
    ///
    /// - Parameter location: the vault.
    /// - Returns: the bytes a file of the vault would hold.
    /// - Throws: as ``withWorkingCopy(of:creating:_:)``.
    public static func bytes(of location: DatabaseLocation) throws -> [UInt8] {
        let connection = try PostgresConnection.connect(location.connectionURI)
        try DatabaseSchema.require(connection)
        guard let found = try read(location, connection) else {
            throw KeyVaultError(.fileConflict, "vault \(location) does not exist (no vault of that name in the database)")
        }
        return found.bytes
    }

    /// Stores `bytes` as a new vault (`keyvault copy` into a database), making the tables when there are none.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when a vault of that name exists; as
    ///   ``withWorkingCopy(of:creating:_:)`` otherwise.
    public static func create(_ location: DatabaseLocation, bytes: [UInt8]) throws {
        try withWorkingCopy(of: location, creating: true) { copy in
            try WorkingFolder(existing: Paths.directory(of: copy.path)).write(bytes, to: copy.path)
        }
    }

    /// The vault's bytes, its last write's number and how many bytes of patches were applied since the last whole
    /// image, rebuilt from that image and the writes after it; nil when there is no such vault.
    static func read(_ location: DatabaseLocation, _ connection: PostgresConnection) throws -> (bytes: [UInt8], seq: Int64, patchBytes: Int)? {
        var rows = try serverErrors(location, "read") {
            try connection.execute(
                """
                SELECT seq, kind = 'image', bytes FROM keyvault_writes
                WHERE vault = $1 AND seq >= (SELECT coalesce(max(seq), 1) FROM keyvault_writes WHERE vault = $1 AND kind = 'image')
                ORDER BY seq
                """, [.text(location.name)])
        }
        guard !rows.rows.isEmpty else { return nil }
        var file: [UInt8] = []
        var expected: Int64 = 0
        var patchBytes = 0
        for i in rows.rows.indices {
            let seq = try rows.int64(i, 0)
            let isImage = rows.rows[i][1] == [1]
            // Taken out of the rows, so that the image is not copied when the first patch changes it.
            let stored = rows.rows[i][2]
            rows.rows[i][2] = nil
            guard let bytes = stored, seq < Int64.max, bytes.count <= FilePatch.maxSize, i == 0 ? isImage : (!isImage && seq == expected + 1) else {
                throw KeyVaultError.damaged(
                    "vault \(location) is damaged in the database: write \(seq) does not follow write \(expected) (rows were deleted or altered); restore the database from a backup or copy the vault from another store"
                )
            }
            if isImage {
                file = bytes
            } else {
                guard let patch = FilePatch(decoding: bytes) else {
                    throw KeyVaultError.damaged("vault \(location) is damaged in the database: write \(seq) is malformed; restore the database from a backup or copy the vault from another store")
                }
                patch.apply(to: &file)
                patchBytes += bytes.count
            }
            expected = seq
        }
        return (file, expected, patchBytes)
    }

    /// Stores what changed in the file at `path` since `before` as the vault's next write, and commits (which also lets
    /// go of the lock); nothing is stored when nothing changed.
    private static func storeChange(
        _ location: DatabaseLocation, _ connection: PostgresConnection, from before: (bytes: [UInt8], seq: Int64, patchBytes: Int)?, path: String, creating: Bool
    ) throws {
        let after: [UInt8]?
        if Syscalls.stat(path) != nil {
            let file = try OpenFile.open(path, what: "vault")
            after = try file.read(count: Int(file.status(what: "vault").st_size), at: 0, what: "vault")
        } else {
            after = nil
        }
        try serverErrors(location, "store the change to") {
            if let after, after != before?.bytes {
                guard after.count <= FilePatch.maxSize else {
                    throw KeyVaultError(.io, "cannot store vault \(location): it would exceed \(FilePatch.maxSize >> 20) MiB; nothing was stored")
                }
                if let before {
                    let patch = FilePatch(from: before.bytes, to: after)
                    // Whole again when the write changed most of the file, or when the patches since the last image
                    // would outweigh the file: a reader then never fetches more than about twice the vault's size.
                    let encoded = patch.encoded
                    let whole = patch.changedCount > after.count / 2 || before.patchBytes + encoded.count > after.count
                    _ = try connection.execute(
                        "INSERT INTO keyvault_writes (vault, seq, kind, bytes) VALUES ($1, $2::bigint, $3, $4)",
                        [.text(location.name), .text(String(before.seq + 1)), .text(whole ? "image" : "patch"), .bytes(whole ? after : encoded)])
                } else {
                    _ = try connection.execute("INSERT INTO keyvault_vaults (name) VALUES ($1)", [.text(location.name)])
                    _ = try connection.execute(
                        "INSERT INTO keyvault_writes (vault, seq, kind, bytes) VALUES ($1, 1, 'image', $2)", [.text(location.name), .bytes(after)])
                }
            }
            _ = try connection.execute("COMMIT")
        }
    }

    /// Runs `body`; a server error becomes one line saying what could not be done to the vault.
    private static func serverErrors<T>(_ location: DatabaseLocation, _ doing: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PostgresConnection.ServerError {
            switch error.sqlState {
            case "55P03":
                throw KeyVaultError(
                    .io, "vault \(location) is locked by another keyvault command (waited \(lockTimeoutSeconds) s); try again when it has finished")
            case "57014":
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): the server cancelled the statement (a timeout, or an administrator); nothing was stored")
            case "23505":
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): another write was stored first (\(error.message)); nothing was stored")
            case "42501":
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): the database refused: \(error.message) (see docs/DATABASE.md for the privileges keyvault's role needs)")
            case "25006":
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): the server is read-only (a standby?): \(error.message); promote it or connect to the primary")
            default:
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): \(error.message) (SQLSTATE \(error.sqlState))")
            }
        }
    }
}

/// The private copy of a vault a command works on (``DatabaseStore/withWorkingCopy(of:creating:_:)``).
public struct WorkingCopy: Sendable {
    /// The file: a command reads and changes it as it would a vault file.
    public let path: String
    /// Whether no change could be stored: the server is a standby in recovery, the transaction is read-only, or the
    /// role may not insert. Reads work; a write fails when it is stored. A command that must not act without recording
    /// it (a restore) refuses at once.
    public let isReadOnly: Bool
}

/// A private folder for a command's copy of a vault: mode 0700, removed with what it holds when released.
final class WorkingFolder {
    let path: String
    private let owned: Bool

    init() throws {
        let base = Syscalls.environment("TMPDIR").flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array("\(base)/keyvault-db.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw KeyVaultError(.io, "cannot make a private folder in \(base) for the vault's copy: \(SystemError.describe(errno))")
        }
        path = String(cString: made)
        owned = true
    }

    init(existing path: String) {
        self.path = path
        owned = false
    }

    /// Writes `bytes` to a new file `path` (mode 0600).
    func write(_ bytes: [UInt8], to path: String) throws {
        let fd = Syscalls.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyVaultError.io("write the vault's copy", path: path, errno: errno) }
        defer { Syscalls.close(fd) }
        var failure: SyscallFailure?
        bytes.withUnsafeBytes { b in
            do throws(SyscallFailure) { try Syscalls.writeFully(fd, b) } catch { failure = error }
        }
        if let failure { throw KeyVaultError.io("write the vault's copy", path: path, errno: failure.code) }
    }

    deinit {
        guard owned else { return }
        for name in Syscalls.listDirectory(path) { Syscalls.unlink("\(path)/\(name)") }
        _ = rmdir(path)
    }
}
