// Copying a vault between stores: a file and a database, either way, or two databases.

/// Copies a vault, byte for byte, between a file and a database (``DatabaseLocation``) or between two of either:
/// every entry, audit record and commit of the chain, so that both copies open, verify and authenticate alike, and a
/// user's record of how far the vault's history had come (``SeenVaults``, keyed by the vault's id) holds for both.
public enum VaultCopy {
    /// Copies the vault at `source` to `destination`, which must not exist yet.
    ///
    /// The source is read whole (a file holding its writers' lock, waited for up to two minutes, so no append is read
    /// half-written) and must open as a vault; the copy is read back and must open to the same entries before it is kept.
    ///
    /// - Parameters:
    ///   - source: a vault file's path or a database location (`postgresql://host/dbname#NAME`).
    ///   - destination: likewise; a file is written mode 0600, atomically (a temporary file, fsync, rename).
    /// - Returns: the copy as read back.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `source` does not exist or `destination`
    ///   does; ``KeyVaultError/Code-swift.struct/damaged`` when the source does not open as a vault; I/O and
    ///   database errors. Nothing is left at `destination` when it throws.
    @discardableResult
    public static func copy(from source: String, to destination: String) throws -> Vault {
        let bytes: [UInt8]
        if DatabaseLocation.isDatabaseLocation(source) {
            bytes = try DatabaseStore.bytes(of: DatabaseLocation(parsing: source))
        } else {
            bytes = try about(path: source) {
                // Under the writers' lock, waited for as a writer waits (up to two minutes): a version-2 writer appends
                // in place, and a copy taken mid-append (the shared lock was given up after two seconds) copied a
                // half-written commit and said it had copied the vault.
                let lock = try VaultLock.acquire(Vault.resolvedPath(source))
                return try withExtendedLifetime(lock) { try lock.file.read(count: Int(lock.file.status(what: "vault").st_size), at: 0, what: "vault") }
            }
        }
        if DatabaseLocation.isDatabaseLocation(destination) {
            let location = try DatabaseLocation(parsing: destination)
            return try DatabaseStore.withWorkingCopy(of: location, creating: true) { copy in
                try WorkingFolder(existing: Paths.directory(of: copy.path)).write(bytes, to: copy.path)
                return try check(copy.path, source: source, named: destination)
            }
        }
        return try about(path: destination) {
            if Syscalls.lstat(destination) != nil { throw KeyVaultError(.fileConflict, "\(destination) already exists; nothing was written") }
            // Unnamed until it is complete and checked: a copy killed midway leaves no hidden full copy of the vault
            // behind (a named temporary file was left, and nothing removed it).
            let out = try AtomicFile(finalPath: destination, unnamed: true)
            try out.write(bytes)
            // Read back from the temporary file, which the rename then makes the copy.
            let copy = try check(out.temporaryPath, source: source, named: destination)
            try out.commit(replacing: false)
            return copy
        }
    }

    /// The vault at `path`, which must open, with its checksum, as the source's bytes do.
    private static func check(_ path: String, source: String, named name: String) throws -> Vault {
        let copy: Vault
        do { copy = try Vault.read(from: OpenFile.open(path, what: "vault"), path: name) } catch let error as KeyVaultError {
            throw KeyVaultError(error.code, "\(source) does not open as a vault (\(error.message)); nothing was copied")
        }
        try copy.requireValidChecksum()
        return copy
    }
}
