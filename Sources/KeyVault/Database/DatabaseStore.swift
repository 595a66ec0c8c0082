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
/// or `DELETE`. A command works on this user's copy of the file (kept between commands and brought up to date with the
/// writes stored since, see docs/DATABASE.md), holding a transaction-scoped advisory lock on the vault
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

    /// Runs `body` on a file holding the vault's bytes — this user's copy in `$XDG_CACHE_HOME/keyvault/databases/`,
    /// brought up to date with the writes stored since it was last used, or the vault fetched whole — with the vault
    /// locked in the database until it returns; whatever `body` changed in that file is then stored as one write. A change is stored even when `body` throws
    /// afterwards, as a file keeps what a failing command wrote before it failed; a vault being created is stored only
    /// when `body` returns.
    ///
    /// - Parameters:
    ///   - location: the vault.
    ///   - creating: the vault must not exist yet; `body` makes the file (`keyvault init`), and the tables are made first
    ///     when the database has none.
    ///   - beforeLocking: called first, before the vault is locked: a command asks here for what a person types (a
    ///     passphrase, a PIN), so that a prompt does not keep the vault locked for others, looking at what
    ///     ``AheadOfTheLock`` shows (nothing in it is trusted).
    ///   - body: the command, given the file (mode 0600, in a folder of mode 0700). It must change the file only as the
    ///     library's vault writers do: in place through their write plans, or by renaming a new file over it.
    /// - Returns: what `body` returns.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when there is no such vault (or, `creating`, there is
    ///   one); ``KeyVaultError/Code-swift.struct/io`` when the database cannot be reached, the lock is not had within
    ///   two minutes, or the change cannot be stored (the vault in the database is then unchanged). When the connection
    ///   is lost during the commit itself, the server is asked again on a new connection whether it kept the change:
    ///   kept, the call succeeds; not kept, it throws as for a change not stored; not reachable, the error says that
    ///   whether the change was stored is not known. And `body`'s errors.
    public static func withWorkingCopy<T>(
        of location: DatabaseLocation, creating: Bool = false, beforeLocking: ((_ ahead: AheadOfTheLock) throws -> Void)? = nil,
        _ body: (_ copy: WorkingCopy) throws -> T
    ) throws -> T {
        // Asked before the connection the command works on is made: a person's typing must not leave it idle long
        // enough for a server's idle_session_timeout.
        if let beforeLocking { try beforeLocking(AheadOfTheLock(location: location)) }
        let connection = try PostgresConnection.connect(location.connectionURI)
        if creating { try DatabaseSchema.migrate(connection) } else { try DatabaseSchema.require(connection) }
        // Read outside the transaction, where a refusal (a function revoked) costs nothing but the answer.
        let lineage = Session.lineage(connection)
        try serverErrors(location, "lock") {
            // Read committed whatever the role's or the server's default: under repeatable read or serializable the
            // snapshot is taken as the lock is asked for, before it is had, so a writer that waited for another would
            // read the vault as it was before that one committed (and fail, its write a number already taken).
            _ = try connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            // The lock waits at most two minutes; once had, the transaction stays open for the command's whole run (a
            // passphrase asked with the lock held included), which a server's idle or statement timeout must not cut short.
            // TCP keepalives let the server find out within about two minutes that a client which vanished without
            // closing its connection is gone, and end its transaction, rather than after the system's default two hours
            // (ignored on a Unix socket).
            for setting in [
                "lock_timeout = '\(lockTimeoutSeconds)s'", "idle_in_transaction_session_timeout = 0", "statement_timeout = 0", "tcp_keepalives_idle = 60",
                "tcp_keepalives_interval = 10", "tcp_keepalives_count = 6",
            ] {
                _ = try connection.execute("SET LOCAL \(setting)")
            }
            try lock(location, connection)
        }
        // From here on the vault is locked: this user's copy of it may be used and changed (the copy is per server as
        // it names itself, and locked on this machine too: the same location can reach another server through libpq's
        // environment).
        let cache: DatabaseCache?
        let cached: DatabaseCache.State?
        let head: Head?
        let session: Session
        do {
            session = try Session.current(location, connection, lineage: lineage)
            cache = try DatabaseCache.forCurrentUser(location, server: session.server)
            cached = cache?.current()
            head = try self.head(location, connection, cached: cached?.seq)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        if creating, head != nil {
            _ = try? connection.execute("ROLLBACK")
            throw KeyVaultError(.fileConflict, "vault \(location) already exists; choose another name after '#'")
        }
        guard creating || head != nil else {
            _ = try? connection.execute("ROLLBACK")
            throw KeyVaultError(.fileConflict, "vault \(location) does not exist (no vault of that name in the database)")
        }
        // Whether a change could not be stored: a standby, a read-only transaction, or a role that may not insert.
        let readOnly = try isReadOnly(location, connection)
        defer { withExtendedLifetime(cache) {} }  // its lock is held to the end
        let temporary: WorkingFolder? = cache == nil ? try WorkingFolder() : nil
        let folder = cache?.folder ?? temporary!.path
        let path = cache?.vaultPath ?? "\(folder)/\(location.name)"
        // The copy's record goes before the file may change; it comes back only once the database has committed.
        let before: Baseline?, fromCache: Bool
        do {
            try cache?.forget()
            (before, fromCache) = try prepare(location, connection, head: head, cached: cached, path: path, cache: cache)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            cache?.clear()
            throw error
        }
        let recorder = before.map { WrittenRanges(device: $0.device, inode: $0.inode) }
        let result: Result<T, any Error>
        do {
            result = .success(try WrittenRanges.$current.withValue(recorder) { try body(WorkingCopy(path: path, isReadOnly: readOnly, isReused: fromCache)) })
        } catch {
            result = .failure(error)
        }
        if creating, case .failure(let error) = result {
            // A vault that was not made whole is not stored at all.
            _ = try? connection.execute("ROLLBACK")
            cache?.clear()
            throw error
        }
        let stored: DatabaseCache.State?
        do {
            // Checked before the commit, so that what it refuses is not stored (after it, "not stored" would be untrue).
            if case .success = result { try requireNothingBeside(location, in: folder) }
            stored = try storeChange(location, connection, session: session, head: head, before: before, recorder: recorder, path: path)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            cache?.clear()
            throw error
        }
        if fromCache, let cache, case .failure(let failure) = result {
            // A command that failed on a kept copy may have failed because of it (damaged on this disk): it goes, so
            // that the next command reads the vault from the database whole and finds out.
            cache.clear()
            guard let error = failure as? KeyVaultError, error.code.category == .damaged else { throw failure }
            throw KeyVaultError(
                error.code,
                "\(error.message) (this user's own copy of the vault, in \(cache.folder), was read and has been removed: run the command again to read the vault from the database; if it fails again, the vault in the database is damaged)",
                remedy: error.remedy, context: error.context)
        }
        // Committed: the copy is the vault as the database now holds it (a failure to record that only costs the next
        // command a whole fetch).
        if let cache, let stored { try? cache.keep(stored) }
        let value = try result.get()
        withExtendedLifetime(temporary) {}  // removed only now, after the command and the store
        return value
    }

    /// The vault's last write, its last whole image and the patch bytes since, and the write a user's copy is up to as
    /// the database holds it; nil when there is no such vault.
    struct Head {
        var last: DatabaseCache.State
        var image: Int64
        var patchBytes: Int
        var cached: (stamp: Int64, length: Int64)?
    }

    /// How the server names itself (address, port and database): this user's copy is kept per server.
    static func serverName(_ location: DatabaseLocation, _ connection: PostgresConnection) throws -> String {
        let server = try serverErrors(location, "read") { try connection.execute("SELECT \(serverNameExpression)").rows.first?.first ?? nil }
        return String(decoding: server ?? [], as: UTF8.self)
    }

    /// The SQL expression ``serverName(_:_:)`` reads.
    static let serverNameExpression = """
        coalesce(pg_catalog.host(pg_catalog.inet_server_addr()), 'local') || ' ' || coalesce(pg_catalog.inet_server_port(), 0)::text
            || ' ' || pg_catalog.current_database()
        """

    /// Whether a change could not be stored through `connection`: a standby, a read-only transaction, or a role that may
    /// not insert.
    static func isReadOnly(_ location: DatabaseLocation, _ connection: PostgresConnection) throws -> Bool {
        try serverErrors(location, "read") {
            try connection.execute(
                """
                SELECT pg_catalog.pg_is_in_recovery() OR pg_catalog.current_setting('transaction_read_only') = 'on'
                    OR NOT pg_catalog.has_table_privilege('keyvault_writes', 'INSERT')
                """
            ).rows.first?.first ?? nil == [1]
        }
    }

    /// Reads ``Head``, with the number and length of write `cached` (a user's copy is up to it) when there is one.
    static func head(_ location: DatabaseLocation, _ connection: PostgresConnection, cached: Int64?) throws -> Head? {
        let rows = try serverErrors(location, "read") {
            try connection.execute(
                """
                WITH w AS (
                    SELECT seq, kind, (extract(epoch FROM written_at) * 1000000)::bigint AS stamp, octet_length(bytes)::bigint AS n
                    FROM keyvault_writes WHERE vault = $1),
                h AS (SELECT max(seq) AS last, coalesce(max(seq) FILTER (WHERE kind = 'image'), 1) AS image FROM w)
                SELECT h.last, h.image, (SELECT coalesce(sum(n), 0)::bigint FROM w WHERE seq > h.image),
                    (SELECT stamp FROM w WHERE seq = h.last), (SELECT n FROM w WHERE seq = h.last),
                    (SELECT stamp FROM w WHERE seq = $2::bigint), (SELECT n FROM w WHERE seq = $2::bigint)
                FROM h
                """, [.text(location.name), .text(String(cached ?? 0))])
        }
        guard rows.rows.count == 1, let last = try rows.optionalInt64(0, 0) else { return nil }
        guard last < Int64.max else {
            throw KeyVaultError.damaged("vault \(location) is damaged in the database: its last write is numbered \(last); restore the database from a backup or copy the vault from another store")
        }
        let cachedStamp = try rows.optionalInt64(0, 5), cachedLength = try rows.optionalInt64(0, 6)
        return Head(
            last: DatabaseCache.State(seq: last, stamp: try rows.int64(0, 3), length: try rows.int64(0, 4), size: 0), image: try rows.int64(0, 1),
            patchBytes: Int(clamping: try rows.int64(0, 2)), cached: cachedStamp.flatMap { s in cachedLength.map { (s, $0) } })
    }

    /// The file a command starts from: its inode, size and time of change, and (open) the file itself, whose bytes a
    /// command that replaces the file (a rename) is compared with.
    final class Baseline {
        let file: OpenFile
        let device: UInt64, inode: UInt64, size: Int
        let modified: timespec
        #if DEBUG
            /// The bytes, to check each stored change against in tests.
            let bytes: [UInt8]
        #endif

        init(_ path: String) throws {
            file = try OpenFile.open(path, what: "vault")
            let st = try file.status(what: "vault")
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int(st.st_size)
            modified = st.st_mtim
            #if DEBUG
                bytes = try file.read(count: size, at: 0, what: "vault")
            #endif
        }
    }

    /// Makes the file at `path` the vault as the database holds it: this user's copy brought up to date with the writes
    /// after it (`fromCache`), or the vault fetched whole. Nil when the vault is being created (the file must not exist).
    private static func prepare(
        _ location: DatabaseLocation, _ connection: PostgresConnection, head: Head?, cached: DatabaseCache.State?, path: String, cache: DatabaseCache?
    ) throws -> (baseline: Baseline?, fromCache: Bool) {
        guard let head else {
            cache?.clear()
            return (nil, false)
        }
        if let cached, let held = head.cached, held.stamp == cached.stamp, held.length == cached.length, cached.seq >= head.image, cached.seq <= head.last.seq {
            if cached.seq < head.last.seq { try catchUp(location, connection, from: cached.seq, to: head.last.seq, path: path) }
            return (try Baseline(path), true)
        }
        cache?.clear()
        guard let whole = try read(location, connection) else {
            throw KeyVaultError(.internalError, "vault \(location) disappeared from the database while it was locked")
        }
        try WorkingFolder(existing: Paths.directory(of: path)).write(whole.bytes, to: path)
        return (try Baseline(path), false)
    }

    /// Applies the writes after `seq` (patches: a copy older than the last whole image is never brought up to date) to
    /// the file at `path`, in place (synced by ``DatabaseCache/keep(_:)`` before the copy's record says so).
    private static func catchUp(_ location: DatabaseLocation, _ connection: PostgresConnection, from seq: Int64, to last: Int64, path: String) throws {
        var rows = try serverErrors(location, "read") {
            try connection.execute(
                "SELECT seq, kind = 'image', bytes FROM keyvault_writes WHERE vault = $1 AND seq > $2::bigint ORDER BY seq", [.text(location.name), .text(String(seq))])
        }
        let fd = Syscalls.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw KeyVaultError.io("update the vault's copy", path: path, errno: errno) }
        defer { Syscalls.close(fd) }
        var expected = seq
        for i in rows.rows.indices {
            let number = try rows.int64(i, 0)
            let stored = rows.rows[i][2]
            rows.rows[i][2] = nil
            guard rows.rows[i][1] == [0], number == expected + 1, let bytes = stored, bytes.count <= FilePatch.maxSize, let patch = FilePatch(decoding: bytes) else {
                throw KeyVaultError.damaged(
                    "vault \(location) is damaged in the database: write \(number) does not follow write \(expected) (rows were deleted or altered); restore the database from a backup or copy the vault from another store"
                )
            }
            do throws(SyscallFailure) {
                try Syscalls.ftruncate(fd, patch.size)
                for range in patch.ranges {
                    var failure: SyscallFailure?
                    range.bytes.withUnsafeBytes { b in
                        do throws(SyscallFailure) { try Syscalls.pwriteFully(fd, b, offset: range.offset) } catch { failure = error }
                    }
                    if let failure { throw failure }
                }
            } catch {
                throw KeyVaultError.io("update the vault's copy", path: path, errno: error.code)
            }
            expected = number
        }
        guard expected == last else {
            throw KeyVaultError.damaged(
                "vault \(location) is damaged in the database: its writes end at \(expected), not \(last) (rows were deleted or altered); restore the database from a backup or copy the vault from another store"
            )
        }
    }

    /// Throws when the command left a file beside the vault that a database cannot keep: the check-ins a threshold
    /// vault's custodians make alone wait beside a vault file (`VAULT.checkins`) until the next write takes them in.
    private static func requireNothingBeside(_ location: DatabaseLocation, in folder: String) throws {
        let name = location.name
        let left = Syscalls.listDirectory(folder).filter {
            $0 != name && $0 != name + ".v1" && !$0.hasPrefix(AtomicFile.temporaryPrefix(for: name)) && $0 != DatabaseCache.stateName
                && $0 != DatabaseCache.lockName && !$0.hasPrefix(AtomicFile.temporaryPrefix(for: DatabaseCache.stateName))
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
    /// - Throws: as ``withWorkingCopy(of:creating:beforeLocking:_:)``.
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
    ///   ``withWorkingCopy(of:creating:beforeLocking:_:)`` otherwise.
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
    ///
    /// A file changed in place is stored as the ranges ``WrittenRanges`` saw written; a file replaced by another one (a
    /// rewrite renames a new file into place) is compared with the bytes before; a file changed in place with nothing
    /// recorded (no such command exists) is stored whole.
    ///
    /// - Returns: the write the file is now at; nil when there is no file.
    private static func storeChange(
        _ location: DatabaseLocation, _ connection: PostgresConnection, session: Session, head: Head?, before: Baseline?, recorder: WrittenRanges?,
        path: String
    ) throws -> DatabaseCache.State? {
        guard let st = Syscalls.stat(path) else {
            // A vault being made that the command did not make stores nothing; an existing one's copy must not vanish
            // under a command (a restore's record would go with it).
            guard before == nil else {
                throw KeyVaultError(.io, "the copy of vault \(location) this command worked on was removed while it ran (\(path)); nothing was stored")
            }
            try serverErrors(location, "store the change to") { _ = try connection.execute("COMMIT") }
            return nil
        }
        let size = Int(st.st_size)
        guard size <= FilePatch.maxSize else {
            throw KeyVaultError(.io, "cannot store vault \(location): it would exceed \(FilePatch.maxSize >> 20) MiB; nothing was stored")
        }
        enum Change {
            case none
            case whole([UInt8])
            case patch(FilePatch, from: [UInt8]?)
        }
        let file = try OpenFile.open(path, what: "vault")
        var change: Change
        if let before, let recorder, UInt64(st.st_dev) == before.device, UInt64(st.st_ino) == before.inode {
            // Changed in place: the ranges the writer reported (all of it when a write could not be told apart).
            let ranges = recorder.ranges(size: size)
            if recorder.isIncomplete {
                change = .whole(try file.read(count: size, at: 0, what: "vault"))
            } else if !ranges.isEmpty {
                change = .patch(FilePatch(size: size, ranges: try ranges.map { ($0.offset, try file.read(count: $0.count, at: $0.offset, what: "vault")) }), from: nil)
            } else if size == before.size, st.st_mtim.tv_sec == before.modified.tv_sec, st.st_mtim.tv_nsec == before.modified.tv_nsec {
                change = .none
            } else {
                change = .whole(try file.read(count: size, at: 0, what: "vault"))
            }
        } else if let before, let recorder {
            // Replaced (a rewrite renames a new file into place): compared with the database's own bytes, after
            // checking that the copy the command started from was those bytes (the copy's parts no command
            // authenticates, sealed keys a rewrite carries over, must not travel from this disk into the database).
            guard let stored = try read(location, connection)?.bytes else {
                throw KeyVaultError(.internalError, "vault \(location) disappeared from the database while it was locked")
            }
            var started = stored
            let old = try before.file.read(count: Int(try before.file.status(what: "vault").st_size), at: 0, what: "vault")
            // The old file as the command left it: what it wrote there in place, over what the database holds.
            let written = recorder.ranges(size: old.count)
            if started.count != old.count { started = Array(started.prefix(old.count)) + [UInt8](repeating: 0, count: max(0, old.count - started.count)) }
            for range in written { started.replaceSubrange(range.offset..<(range.offset + range.count), with: old[range.offset..<(range.offset + range.count)]) }
            guard started == old, !recorder.isIncomplete || old == stored else {
                throw KeyVaultError(
                    .damaged,
                    "this user's copy of vault \(location), in \(Paths.directory(of: path)), is not what the database holds (changed on this disk); nothing was stored: run the command again, which reads the vault from the database"
                )
            }
            let new = try file.read(count: size, at: 0, what: "vault")
            change = stored == new ? .none : .patch(FilePatch(from: stored, to: new), from: stored)
        } else {
            change = .whole(try file.read(count: size, at: 0, what: "vault"))
        }
        if case .patch(let patch, _) = change, patch.ranges.isEmpty, patch.size == before?.size { change = .none }
        #if DEBUG
            // Every stored change, checked in tests: applied to the bytes before, it gives the file as it is now.
            if let before, case .patch(let patch, let from) = change {
                var rebuilt = from ?? before.bytes
                patch.apply(to: &rebuilt)
                guard rebuilt == (try file.read(count: size, at: 0, what: "vault")) else {
                    throw KeyVaultError(.internalError, "the change to vault \(location) was recorded wrongly; nothing was stored")
                }
            }
        #endif
        return try serverErrors(location, "store the change to") {
            let next = (head?.last.seq ?? 0) + 1
            let stored: [SQLValue]
            switch change {
            case .none:
                // Nothing was written in this transaction: a connection lost at its end loses nothing.
                do { _ = try connection.execute("COMMIT") } catch { if !connection.isLost { throw error } }
                guard var last = head?.last else { return nil }
                last.size = size
                return last
            case .whole(let bytes):
                stored = [.text("image"), .bytes(bytes)]
            case .patch(let patch, _):
                // Whole again when the write changed most of the file, or when the patches since the last image
                // would outweigh the file: a reader then never fetches more than about twice the vault's size.
                let encoded = patch.encoded
                if patch.changedCount > size / 2 || (head?.patchBytes ?? 0) + encoded.count > size {
                    stored = [.text("image"), .bytes(try file.read(count: size, at: 0, what: "vault"))]
                } else {
                    stored = [.text("patch"), .bytes(encoded)]
                }
            }
            // A name with no write yet holds no vault: whoever can insert may have put it there (the insert-only role),
            // and the first write takes it (the vault's lock is held, so no other write is under way).
            if head == nil {
                _ = try connection.execute("INSERT INTO keyvault_vaults (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [.text(location.name)])
            }
            let row = try connection.execute(
                """
                INSERT INTO keyvault_writes (vault, seq, kind, bytes) VALUES ($1, $2::bigint, $3, $4)
                RETURNING (extract(epoch FROM written_at) * 1000000)::bigint, octet_length(bytes)::bigint,
                    (extract(epoch FROM pg_catalog.now()) * 1000000)::bigint
                """, [.text(location.name), .text(String(next))] + stored)
            do {
                _ = try connection.execute("COMMIT")
            } catch let lost where connection.isLost {
                // No answer to the COMMIT: the server may have committed before the connection went. Asked again.
                let write = LostWrite(seq: next, stored: stored, session: session, transactionStart: try row.int64(0, 2))
                return try askedAgain(location, write, size: size, lost: lost)
            }
            return DatabaseCache.State(seq: next, stamp: try row.int64(0, 0), length: try row.int64(0, 1), size: size)
        }
    }

    /// Locks vault `location` in `connection`'s transaction, waiting at most ``lockTimeoutSeconds``.
    private static func lock(_ location: DatabaseLocation, _ connection: PostgresConnection) throws {
        // Schema-qualified, with exact argument types: a function of the same name that someone could create in a
        // schema on the search path is never called instead.
        _ = try connection.execute(
            "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($1::text, 0::bigint))", [.text("keyvault vault \(location.name)")])
    }

    /// The server session a command's transaction runs in: which server it is (as ``serverName(_:_:)`` names it), its
    /// lineage (the cluster's system identifier and the timeline it writes on, nil when the role may not read them),
    /// and the backend's process id.
    struct Session {
        var server: String
        var lineage: String?
        var pid: Int64

        /// The cluster's system identifier and current timeline, or nil when either cannot be read (a function
        /// revoked, a standby, whose WAL position is not its own): a promoted standby keeps the identifier and starts
        /// a new timeline, so two servers that answer alike here are one server's history.
        static func lineage(_ connection: PostgresConnection) -> String? {
            let text = try? connection.execute(
                """
                SELECT s.system_identifier::text || ' ' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8)
                FROM pg_catalog.pg_control_system() s
                """
            ).rows.first?.first
            return text.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        }

        /// The session of `connection`, inside its transaction (behind a pooler, the backend is the transaction's),
        /// read in one round trip.
        static func current(_ location: DatabaseLocation, _ connection: PostgresConnection, lineage: String?) throws -> Session {
            let row = try serverErrors(location, "read") {
                try connection.execute("SELECT \(serverNameExpression), pg_catalog.pg_backend_pid()::bigint")
            }
            guard row.rows.count == 1, let server = row.rows[0][0] else { throw KeyVaultError(.internalError, "the database did not name its server") }
            return Session(server: String(decoding: server, as: UTF8.self), lineage: lineage, pid: try row.int64(0, 1))
        }
    }

    /// A write whose COMMIT got no answer: its number, kind and bytes, and the session and transaction it was made in.
    struct LostWrite {
        var seq: Int64
        var stored: [SQLValue]
        var session: Session
        /// The transaction's start (µs): with the process id, it names that transaction and no later one (behind a
        /// pooler, the same backend serves other clients' transactions).
        var transactionStart: Int64
    }

    /// After the connection was lost during a write's COMMIT: whether the server kept `write`, asked on a new
    /// connection to the same server (not a standby, not another host or a promoted copy), once the vault's lock is
    /// free again, that is once the lost transaction has ended one way or the other. A lost transaction the server
    /// still sees idle never received the COMMIT: its session is ended, so that its lock goes now rather than when the
    /// server notices its client is gone. The write's state when it was kept; else throws, saying which.
    private static func askedAgain(_ location: DatabaseLocation, _ write: LostWrite, size: Int, lost: any Error) throws -> DatabaseCache.State {
        let why = oneLine(lost)
        let session = write.session
        enum Answer {
            case kept(SQLRows)
            case notKept
            case unknown(String)
        }
        func ask() -> Answer {
            do {
                let again = try PostgresConnection.connect(location.connectionURI)
                let lineage = Session.lineage(again)
                // Read committed: each statement sees what was committed before it began, so the query after the lock
                // sees the lost transaction's commit, whatever the role's default isolation.
                _ = try again.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                _ = try again.execute("SET LOCAL lock_timeout = '\(lockTimeoutSeconds)s'")
                // Another server (libpq's next host, a fail-over, a copy) or a standby knows nothing certain of it.
                let server = try serverName(location, again)
                guard server == session.server, let lineage, lineage == session.lineage else {
                    return .unknown("reached \(server), which is not certainly the server the change was sent to, \(session.server)")
                }
                if let standby = try again.execute("SELECT pg_catalog.pg_is_in_recovery()").rows.first?.first, standby != [0] {
                    return .unknown("the server is now a standby in recovery")
                }
                // Best effort: a role that may not see or end that session waits for the lock instead.
                _ = try again.execute("SAVEPOINT lost")
                do {
                    _ = try again.execute(
                        """
                        SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
                        WHERE pid = $1::integer AND (extract(epoch FROM xact_start) * 1000000)::bigint = $2::bigint AND state = 'idle in transaction'
                        """, [.text(String(session.pid)), .text(String(write.transactionStart))])
                    _ = try again.execute("RELEASE SAVEPOINT lost")
                } catch {
                    _ = try again.execute("ROLLBACK TO SAVEPOINT lost")
                }
                try lock(location, again)
                let kept = try again.execute(
                    """
                    SELECT (extract(epoch FROM written_at) * 1000000)::bigint, octet_length(bytes)::bigint FROM keyvault_writes
                    WHERE vault = $1 AND seq = $2::bigint AND kind = $3 AND bytes = $4
                    """, [.text(location.name), .text(String(write.seq))] + write.stored)
                _ = try? again.execute("ROLLBACK")
                return kept.rows.isEmpty ? .notKept : .kept(kept)
            } catch let error as PostgresConnection.ServerError where error.sqlState == "55P03" {
                return .unknown("server process \(session.pid), the lost session, still held the vault's lock after \(lockTimeoutSeconds) s")
            } catch {
                return .unknown(oneLine(error))
            }
        }
        switch ask() {
        case .kept(let kept):
            return DatabaseCache.State(seq: write.seq, stamp: try kept.int64(0, 0), length: try kept.int64(0, 1), size: size)
        case .notKept:
            throw KeyVaultError(
                .io, "the connection was lost while vault \(location) stored this change (\(why)); asked again, the server had not kept it: nothing was stored")
        case .unknown(let asking):
            throw KeyVaultError(
                .io,
                "the connection was lost while vault \(location) stored this change (\(why)), and asking the server again whether it kept it failed (\(asking)): whether the vault's write \(write.seq) was stored is not known; see 'keyvault log' before running the command again (once the lost session has ended)"
            )
        }
    }

    /// `error` as one line for a message: a library error's message, a server error's message and SQLSTATE.
    private static func oneLine(_ error: any Error) -> String {
        if let error = error as? KeyVaultError { return error.message }
        if let error = error as? PostgresConnection.ServerError { return oneLine(server: error) }
        return "\(error)"
    }

    /// A server error as one line: its message and SQLSTATE.
    private static func oneLine(server error: PostgresConnection.ServerError) -> String { "\(error.message) (SQLSTATE \(error.sqlState))" }

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
                throw KeyVaultError(.io, "cannot \(doing) vault \(location): \(oneLine(server: error))")
            }
        }
    }
}

/// The copy of a vault a command works on (``DatabaseStore/withWorkingCopy(of:creating:beforeLocking:_:)``).
public struct WorkingCopy: Sendable {
    /// The file: a command reads and changes it as it would a vault file.
    public let path: String
    /// Whether no change could be stored: the server is a standby in recovery, the transaction is read-only, or the
    /// role may not insert. Reads work; a write fails when it is stored. A command that must not act without recording
    /// it (a restore) refuses at once.
    public let isReadOnly: Bool
    /// Whether the file is this user's copy kept from an earlier command and brought up to date, rather than the vault
    /// read whole from the database now: a command that finds it damaged should say that it was removed, and that
    /// running the command again reads the vault from the database.
    public let isReused: Bool
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
