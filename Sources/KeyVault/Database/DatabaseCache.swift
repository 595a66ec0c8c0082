// A user's own copy of a vault kept in a database, so that a command fetches only the writes made since the last one.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The current user's copy of one vault kept in a database, with the write it is up to: a command brings it up to date
/// with the writes stored since (a few kilobytes each) instead of fetching the whole vault, works on it in place, and
/// stores only the ranges it wrote.
///
/// One folder per location in `$XDG_CACHE_HOME/keyvault/databases/` (default `~/.cache/keyvault/databases/`), mode
/// 0700, holding the vault's file (mode 0600; the bytes the database holds, nothing secret) and `.state`: which write
/// the file is up to, identified by its number, the time the server stored it (microseconds) and its row's length.
/// `.state` is removed before a command changes the file and written again only after the database committed, so a
/// crash, a failed commit or a killed command leaves no state, and the next command fetches the vault whole. A copy whose
/// write the database no longer holds as recorded (the vault re-created, a database put back from an older backup) is
/// fetched whole as well.
struct DatabaseCache {
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
    }

    /// The folder.
    let folder: String
    /// The vault's file in it.
    let vaultPath: String
    private var statePath: String { "\(folder)/\(DatabaseCache.stateName)" }
    /// The record's name: a vault's name starts with a letter or digit, so never this.
    static let stateName = ".state"

    /// The current user's folder for `location`, made when missing; nil when there is no `XDG_CACHE_HOME` or `HOME`,
    /// or when a folder on the way belongs to another user, is a symbolic link, or others can write it (the command
    /// then works on a copy in a private temporary folder, fetched whole).
    static func forCurrentUser(_ location: DatabaseLocation) -> DatabaseCache? {
        let base: String
        if let cache = Syscalls.environment("XDG_CACHE_HOME"), cache.hasPrefix("/") {
            base = "\(cache)/keyvault/databases"
        } else if let home = Syscalls.environment("HOME"), home.hasPrefix("/") {
            base = "\(home)/.cache/keyvault/databases"
        } else {
            return nil
        }
        let digest = Hashing.blake2b(Array(location.description.utf8)).prefix(16).hexString
        let folder = "\(base)/\(digest)"
        guard (try? Syscalls.makeDirectories(folder, mode: 0o700)) != nil else { return nil }
        for path in [Paths.directory(of: base), base, folder] {
            guard let st = Syscalls.lstat(path), (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == Syscalls.effectiveUserID, st.st_mode & 0o022 == 0 else {
                return nil
            }
        }
        guard let st = Syscalls.lstat(folder), st.st_mode & 0o077 == 0 else { return nil }
        return DatabaseCache(folder: folder, vaultPath: "\(folder)/\(location.name)")
    }

    /// What the copy is up to; nil (and the folder emptied) when there is no record, it is malformed, the file is not
    /// the size it records, or the folder holds anything else than the file and the record (a killed command's
    /// leftovers). Call only with the vault locked.
    func current() -> State? {
        let state = read()
        let others = Syscalls.listDirectory(folder).filter { $0 != DatabaseCache.stateName && "\(folder)/\($0)" != vaultPath }
        guard let state, others.isEmpty, let st = Syscalls.lstat(vaultPath), (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == state.size else {
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

    /// Records that the file is up to `state` (written atomically, after the file's own changes were synced).
    func keep(_ state: State) throws {
        let file = try AtomicFile(finalPath: statePath)
        try file.write(Array("keyvault database cache 1\nseq \(state.seq)\nstamp \(state.stamp)\nlength \(state.length)\nsize \(state.size)\n".utf8))
        try file.commit(replacing: true)
    }

    /// Removes everything in the folder.
    func clear() {
        for name in Syscalls.listDirectory(folder) { Syscalls.unlink("\(folder)/\(name)") }
    }

    private func read() -> State? {
        guard let text = try? Syscalls.readSmallFile(statePath, max: 512, ownedBy: Syscalls.effectiveUserID) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 6, lines[0] == "keyvault database cache 1", lines[5].isEmpty else { return nil }
        func number(_ line: Substring, _ key: String) -> Int64? {
            guard line.hasPrefix("\(key) ") else { return nil }
            return Int64(line.dropFirst(key.count + 1))
        }
        guard let seq = number(lines[1], "seq"), let stamp = number(lines[2], "stamp"), let length = number(lines[3], "length"),
            let size = number(lines[4], "size"), seq >= 1, length >= 0, size >= 0, size <= FilePatch.maxSize
        else { return nil }
        return State(seq: seq, stamp: stamp, length: length, size: Int(size))
    }
}
