// Writing a file so that it appears whole or not at all: temp file, fsync, rename, fsync of the folder.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A file being written next to its final path. Nothing is visible at the final path until ``commit(replacing:)``;
/// if the writer dies first, only a `.NAME.keyvault-XXXXXX` temp file is left, which the next write removes.
///
/// A file holding a secret (`unnamed: true`) is written as an unnamed file (`O_TMPFILE`) and given its name only
/// once it is complete and synced, so a killed writer leaves nothing behind; where the file system has no unnamed
/// files, it falls back to a named temp file.
final class AtomicFile {
    let finalPath: String
    /// The temp file's path; for an unnamed file, a path that reads it (`/proc/self/fd/N`) until it is committed.
    let temporaryPath: String
    let isUnnamed: Bool
    private let fd: Int32
    private var done = false
    /// Locked (as ``VaultLock`` locks a vault) before the rename, and held, with the file open, until this object goes:
    /// see ``holdVaultLockAfterCommit()``.
    private var holdsLock = false
    /// How many bytes are written (or left as zeros) so far: where the next write goes.
    private var size = 0

    /// Prefix of temp files for `finalPath`, so leftovers can be recognised.
    static func temporaryPrefix(for finalPath: String) -> String { ".\(Paths.fileName(of: finalPath)).keyvault-" }

    /// Creates the temp file (mode 0600) in the final path's folder.
    init(finalPath: String, unnamed: Bool = false) throws {
        self.finalPath = finalPath
        let directory = Paths.directory(of: finalPath)
        if unnamed, let fd = Syscalls.openUnnamed(directory: directory) {
            self.fd = fd
            temporaryPath = "/proc/self/fd/\(fd)"
            isUnnamed = true
            return
        }
        isUnnamed = false
        do {
            (fd, temporaryPath) = try Syscalls.makeTemporary(directory: directory, prefix: AtomicFile.temporaryPrefix(for: finalPath))
            try Syscalls.fchmod(fd, 0o600)
        } catch {
            throw KeyVaultError.io("create a file in", path: directory, errno: error.code)
        }
    }

    /// Gives the new file the owner, group, permission bits and access ACL of `existing` (the file it will replace,
    /// open as `source`), so that rewriting a shared vault neither takes it away from its group nor opens it to more
    /// people (a setgid folder would give the new file the folder's group; an ACL's mask would become group bits).
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/io`` naming the owner when this user may not create a file owned by
    ///   them (only root may give a file away), or when the ACL cannot be kept; nothing is written then.
    func keepOwnership(of existing: stat, source: Int32) throws {
        let fresh: stat
        do { fresh = try Syscalls.fstat(fd) } catch { throw unchanged("stat", error.code) }
        let uid = existing.st_uid == fresh.st_uid ? uid_t.max : existing.st_uid
        let gid = existing.st_gid == fresh.st_gid ? gid_t.max : existing.st_gid
        if uid != uid_t.max || gid != gid_t.max {
            do { try Syscalls.fchown(fd, uid: uid, gid: gid) } catch {
                throw KeyVaultError(
                    .io,
                    "refused to rewrite \(finalPath): it belongs to user \(existing.st_uid) and group \(existing.st_gid), and a file written by this user (uid \(Syscalls.effectiveUserID)) cannot keep that owner and group (\(SystemError.describe(error.code))); run as the vault's owner or as root. The vault was not changed"
                )
            }
        }
        do { try Syscalls.fchmod(fd, existing.st_mode & 0o777) } catch {
            throw unchanged("set the mode of", error.code)
        }
        do { _ = try Syscalls.copyAccessACL(from: source, to: fd) } catch {
            throw KeyVaultError(.io, "refused to rewrite \(finalPath): its access control list cannot be kept on the new file (\(SystemError.describe(error.code))); the vault was not changed")
        }
    }

    deinit {
        if !done {
            Syscalls.close(fd)
            if !isUnnamed { Syscalls.unlink(temporaryPath) }
        } else if holdsLock {
            Syscalls.close(fd)
        }
    }

    /// Takes the new file's vault lock now, before it has a name, and keeps it after ``commit(replacing:)`` for as long
    /// as this object lives: the writer of a new vault file (a version-1 write, an upgrade, a compaction) holds the old
    /// file's lock, which a command that comes after the rename does not wait for, since it locks the file then at the
    /// path. What the writer does after the rename under its lock (removing the check-ins it took in) is then done
    /// before anyone else locks the vault.
    func holdVaultLockAfterCommit() throws {
        let locked: Bool
        do { locked = try Syscalls.tryLockExclusive(fd) } catch { throw unchanged("lock", error.code) }
        // (Nobody else has the file yet: it cannot be locked by another.)
        guard locked else { throw unchanged("lock", EWOULDBLOCK) }
        holdsLock = true
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        do { try Syscalls.writeFully(fd, buffer) } catch { throw unchanged("write", error.code) }
        size += buffer.count
    }

    /// `count` zero bytes after what is written so far, left unwritten: a hole the file grows over, which reads as
    /// zeros and which a reader passes without reading it (``OpenFile/isZero(count:at:what:)``); the next write
    /// follows it. A version-2 file's unused chunk capacity (13 MiB after an upgrade at 100,000 entries) is made so.
    ///
    /// Not reserved with fallocate: space only reserved reads as data to lseek once a read (the kernel's read-ahead
    /// included) has put its zeros in the page cache, so a reader would read it after all. The append that later
    /// writes into the hole allocates its blocks, and on a full disk fails as any append does.
    func leaveZeros(_ count: Int) throws {
        guard count > 0 else { return }
        do {
            try Syscalls.ftruncate(fd, size + count)
            try Syscalls.seek(fd, to: size + count)
        } catch {
            throw unchanged("write", error.code)
        }
        size += count
    }

    /// A failure before the rename: the final path still holds what it held (or nothing), and the temp file goes.
    private func unchanged(_ operation: String, _ code: Int32) -> KeyVaultError {
        // (An unnamed file's /proc/self/fd path means nothing once this process has gone: it is not named.)
        KeyVaultError(
            .io,
            "cannot \(operation) the new \(Paths.fileName(of: finalPath))\(isUnnamed ? "" : " (temporary file \(temporaryPath))"): \(SystemError.describe(code)); \(finalPath) was not changed")
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Copies `count` bytes from `source` at `offset`, in bounded chunks.
    func copy(from source: OpenFile, offset: Int, count: Int) throws {
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: min(chunk, max(count, 1)))
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let complete: Bool
            do {
                complete = try buffer.withUnsafeMutableBytes { b throws(SyscallFailure) in
                    try Syscalls.preadFully(source.fd, UnsafeMutableRawBufferPointer(rebasing: b[0..<n]), offset: offset + done)
                }
            } catch let error as SyscallFailure {
                throw KeyVaultError.io("read", path: source.path, errno: error.code)
            }
            guard complete else { throw KeyVaultError.damaged("vault damaged or truncated: \(source.path) ended early while being copied") }
            try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            done += n
        }
    }

    /// fsyncs the file, renames it into place and fsyncs the folder.
    ///
    /// - Parameter replacing: whether an existing file at the final path may be replaced; when false, an existing
    ///   file makes this throw ``KeyVaultError/Code-swift.struct/fileConflict`` and nothing changes.
    func commit(replacing: Bool) throws {
        do { try Syscalls.fsync(fd) } catch { throw unchanged("fsync", error.code) }
        do {
            if isUnnamed {
                try commitUnnamed(replacing: replacing)
            } else if replacing {
                try Syscalls.rename(temporaryPath, finalPath)
            } else {
                try Syscalls.renameNoReplace(temporaryPath, finalPath)
            }
        } catch {
            if error.code == EEXIST {
                throw KeyVaultError(.fileConflict, "\(finalPath) already exists; nothing was written")
            }
            throw KeyVaultError(
                .io, "cannot replace \(finalPath): \(SystemError.describe(error.code))\(stickyFolderHint(error.code)); \(finalPath) was not changed")
        }
        done = true
        if !holdsLock { Syscalls.close(fd) }
        let directory = Paths.directory(of: finalPath)
        let dirfd = Syscalls.open(directory, O_RDONLY | O_DIRECTORY)
        if dirfd >= 0 {
            defer { Syscalls.close(dirfd) }
            do { try Syscalls.fsync(dirfd) } catch {
                throw KeyVaultError(
                    .io,
                    "\(finalPath) was written, but syncing its folder \(directory) failed: \(SystemError.describe(error.code)); the change may not survive a power loss: check the disk, then 'keyvault list' shows what the vault holds"
                )
            }
        }
    }

    /// Names the complete unnamed file at the final path. To replace, the old file is removed first and the new one
    /// then linked: a writer killed between the two leaves no file at all (the secret is still in the vault), never a
    /// hidden copy of it; a file that appears in between makes the link fail rather than be replaced.
    private func commitUnnamed(replacing: Bool) throws(SyscallFailure) {
        // A file that cannot be removed (another user's, in a folder with the sticky bit) is that error, not the
        // "already exists" of the link that would follow.
        if replacing { try Syscalls.removeIfPresent(finalPath) }
        try Syscalls.linkUnnamed(fd, to: finalPath)
    }

    /// Why a file another user owns cannot be replaced, when the folder's sticky bit is the reason (EPERM there).
    private func stickyFolderHint(_ code: Int32) -> String {
        guard code == EPERM || code == EACCES, let st = Syscalls.stat(Paths.directory(of: finalPath)), st.st_mode & S_ISVTX != 0,
            let file = Syscalls.lstat(finalPath), file.st_uid != Syscalls.effectiveUserID
        else { return "" }
        return " (it belongs to user \(file.st_uid), and in a folder with the sticky bit only a file's owner may replace it)"
    }

    /// Removes temp files a killed writer left for `finalPath`. Call only while holding the vault's lock.
    static func removeLeftovers(for finalPath: String) {
        let directory = Paths.directory(of: finalPath)
        let prefix = temporaryPrefix(for: finalPath)
        for name in Syscalls.listDirectory(directory) where name.hasPrefix(prefix) && name.count == prefix.count + 6 {
            Syscalls.unlink("\(directory)/\(name)")
        }
    }
}
