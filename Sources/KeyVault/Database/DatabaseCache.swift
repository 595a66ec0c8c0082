// A user's own copy of a vault kept in a database, so that a command fetches only the writes made since the last one.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The current user's copy of one vault kept in a database, with the write it is up to: a command brings it up to date
/// with the writes stored since (a few kilobytes each) instead of fetching the whole vault, works on it in place, and
/// stores only the ranges it wrote.
///
/// One folder per location and server in `$XDG_CACHE_HOME/keyvault/databases/` (default `~/.cache/keyvault/databases/`),
/// mode 0700, holding the vault's file (mode 0600; the bytes the database holds, nothing secret), `.lock` (held by the
/// command using the copy) and `.state`: which write the file is up to, identified by its number, the time the server
/// stored it (microseconds) and its row's length, and the file as it was left. `.state` is removed before a command
/// changes the file and written again only after the database committed, so a crash, a failed commit or a killed
/// command leaves no state, and the next command fetches the vault whole. A copy whose write the database no longer
/// holds as recorded (the vault re-created, a database put back from an older backup), or changed since by anything
/// else, is fetched whole as well.
final class DatabaseCache {
    /// Which write the copy is up to.
    struct State: Equatable {
        /// The write's number.
        var seq: Int64
        /// When the server stored it, in microseconds since 1970, and its row's length: with `seq`, what tells this
        /// history from another one of the same vault name.
        var stamp: Int64
        var length: Int64
        /// The file's size.
        var size: Int
        /// The file as it was left (device, inode, times of change in nanoseconds): a copy changed since by anything
        /// else (a hand edit, a file command run on it) is not used.
        var file: [Int64] = []
    }

    /// The folder.
    let folder: String
    /// The vault's file in it.
    let vaultPath: String
    /// The lock file, held (flock) from ``forCurrentUser(_:server:)`` until this is released.
    private let lock: Int32
    private var statePath: String { "\(folder)/\(DatabaseCache.stateName)" }
    /// The record's and the lock's names: a vault's name starts with a letter or digit, so never these.
    static let stateName = ".state"
    static let lockName = ".lock"

    private init(folder: String, vaultPath: String, lock: Int32) {
        self.folder = folder
        self.vaultPath = vaultPath
        self.lock = lock
    }

    deinit { Syscalls.close(lock) }

    /// The current user's folder for `location` on `server` (how the server names itself: address, port and
    /// database), made when missing and locked against other commands of this machine using it at once; nil when
    /// there is no `XDG_CACHE_HOME` or `HOME`, when root runs with another user's home, or when a folder on the way
    /// belongs to another user, is a symbolic link, or others can write it (the command then works on a copy in a
    /// private temporary folder, fetched whole). Unless `waiting`, nil too when another command is using it.
    static func forCurrentUser(_ location: DatabaseLocation, server: String, waiting: Bool = true) throws -> DatabaseCache? {
        let root: String
        if let cache = Syscalls.environment("XDG_CACHE_HOME"), cache.hasPrefix("/") {
            root = cache
        } else if let home = Syscalls.environment("HOME"), home.hasPrefix("/") {
            // Root with another user's home (sudo -E) keeps nothing there: that user could move folders under it.
            if Syscalls.effectiveUserID == 0, Syscalls.lstat(home)?.st_uid != 0 { return nil }
            root = "\(home)/.cache"
        } else {
            return nil
        }
        let digest = Hashing.blake2b(Array("\(location.description)\n\(server)".utf8)).prefix(16).hexString
        let folder = "\(root)/keyvault/databases/\(digest)"
        guard (try? Syscalls.makeDirectories(folder, mode: 0o700)) != nil else { return nil }
        for path in [root, "\(root)/keyvault", "\(root)/keyvault/databases", folder] {
            guard let st = Syscalls.lstat(path), (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == Syscalls.effectiveUserID, st.st_mode & 0o022 == 0 else {
                return nil
            }
        }
        guard let st = Syscalls.lstat(folder), st.st_mode & 0o077 == 0 else { return nil }
        let fd = Syscalls.open("\(folder)/\(lockName)", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        // Commands on one vault take turns in the database already; this holds off a command reaching another server
        // under the same name while one works on the copy.
        var waited = 0
        while !((try? Syscalls.tryLockExclusive(fd)) ?? false) {
            guard waiting else {
                Syscalls.close(fd)
                return nil
            }
            guard waited < DatabaseStore.lockTimeoutSeconds * 100 else {
                Syscalls.close(fd)
                throw KeyVaultError(
                    .io, "this user's copy of vault \(location), in \(folder), is in use by another keyvault command (waited \(DatabaseStore.lockTimeoutSeconds) s); try again when it has finished")
            }
            Syscalls.sleep(milliseconds: 10)
            waited += 1
        }
        return DatabaseCache(folder: folder, vaultPath: "\(folder)/\(location.name)", lock: fd)
    }

    /// What the copy is up to; nil (and the folder emptied) when there is no record, it is malformed, the file is not
    /// as it was left (size, inode, times, a second link to it), or the folder holds anything else than the file, the
    /// record and the lock (a killed command's leftovers).
    func current() -> State? {
        let state = read()
        let others = Syscalls.listDirectory(folder).filter { $0 != DatabaseCache.stateName && $0 != DatabaseCache.lockName && "\(folder)/\($0)" != vaultPath }
        guard let state, others.isEmpty, let st = Syscalls.lstat(vaultPath), (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1, Int(st.st_size) == state.size,
            DatabaseCache.identity(st) == state.file
        else {
            clear()
            return nil
        }
        return state
    }

    /// Removes the record, durably, before the file changes: a command that does not get as far as
    /// ``keep(_:)`` leaves a copy the next one will not trust.
    func forget() throws {
        do throws(SyscallFailure) {
            try Syscalls.removeIfPresent(statePath)
            try Syscalls.syncDirectory(of: statePath)
        } catch {
            throw KeyVaultError.io("forget the state of this user's copy of the vault in", path: folder, errno: error.code)
        }
    }

    /// Records that the file is up to `state`: the file is synced first (a command's appends are already; a vault
    /// fetched or copied in is synced here), then the record is written atomically.
    func keep(_ state: State) throws {
        let vault = try OpenFile.open(vaultPath, what: "vault")
        do throws(SyscallFailure) { try Syscalls.fsync(vault.fd) } catch { throw KeyVaultError.io("sync", path: vaultPath, errno: error.code) }
        var state = state
        state.file = DatabaseCache.identity(try vault.status(what: "vault"))
        let fields = ([state.seq, state.stamp, state.length, Int64(state.size)] + state.file).map(String.init).joined(separator: " ")
        let file = try AtomicFile(finalPath: statePath)
        try file.write(Array("keyvault database cache 2\n\(fields)\n".utf8))
        try file.commit(replacing: true)
    }

    /// Removes everything in the folder but the lock.
    func clear() {
        for name in Syscalls.listDirectory(folder) where name != DatabaseCache.lockName { Syscalls.unlink("\(folder)/\(name)") }
    }

    private static func identity(_ st: stat) -> [Int64] {
        [
            Int64(bitPattern: UInt64(st.st_dev)), Int64(bitPattern: UInt64(st.st_ino)), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
            Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
        ]
    }

    private func read() -> State? {
        guard let text = try? Syscalls.readSmallFile(statePath, max: 512, ownedBy: Syscalls.effectiveUserID) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3, lines[0] == "keyvault database cache 2", lines[2].isEmpty else { return nil }
        let numbers = lines[1].split(separator: " ").compactMap { Int64($0) }
        guard numbers.count == 8, numbers[0] >= 1, numbers[2] >= 0, numbers[3] >= 0, numbers[3] <= FilePatch.maxSize else { return nil }
        return State(seq: numbers[0], stamp: numbers[1], length: numbers[2], size: Int(numbers[3]), file: Array(numbers[4...]))
    }
}
