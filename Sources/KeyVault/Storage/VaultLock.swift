// The exclusive lock a writer holds on a vault, robust to the vault being replaced by rename.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// An exclusive `flock` on the vault file itself. Because writers replace the file by rename, a lock taken on an
/// inode that is no longer at the path is dropped and taken again on the new one. A killed holder's lock is
/// released by the kernel, so a stale lock never blocks the next run.
final class VaultLock {
    /// The locked descriptor: the current vault file, to read the vault from.
    let file: OpenFile

    private init(file: OpenFile) { self.file = file }

    /// Waits up to `timeoutSeconds` for the lock on `path`, reporting the wait (``ProgressReport``) once it has to:
    /// on a terminal, the person sees why nothing happens, rather than a command that seems to hang.
    static func acquire(_ path: String, timeoutSeconds: Int = 120) throws -> VaultLock {
        var waited = 0
        let task = "waiting for another keyvault command to finish with the vault (it holds its lock; up to \(timeoutSeconds) s)"
        defer { if waited > 0 { ProgressReport.report(task, completed: 0, of: nil, finished: true) } }
        while true {
            let file = try OpenFile.open(path, what: "vault")
            let locked: Bool
            do { locked = try Syscalls.tryLockExclusive(file.fd) } catch {
                throw KeyVaultError.io("lock vault", path: path, errno: error.code)
            }
            if locked {
                let mine = try file.status(what: "vault")
                if let current = Syscalls.stat(path), current.st_ino == mine.st_ino, current.st_dev == mine.st_dev {
                    return VaultLock(file: file)
                }
                continue  // replaced while we waited: lock the new file
            }
            guard waited < timeoutSeconds * 1000 else {
                throw KeyVaultError(.io, "vault \(path) is locked by another keyvault process (waited \(timeoutSeconds) s); try again when it has finished")
            }
            if waited == 0 { ProgressReport.report(task, completed: 0, of: nil) }
            Syscalls.sleep(milliseconds: 20)
            waited += 20
        }
    }
}
