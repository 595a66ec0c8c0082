// Whether two paths name one file, so that no output of a command can overwrite one of its own inputs.

/// Comparing files by what they are (device and inode), not by how they are named.
public enum FileIdentity {
    /// Whether `a` and `b` both exist and are the same file, through any symbolic or hard link.
    ///
    /// - Parameters:
    ///   - a: a path.
    ///   - b: another path.
    /// - Returns: true when both name one file.
    public static func same(_ a: String, _ b: String) -> Bool {
        guard let x = Syscalls.stat(a), let y = Syscalls.stat(b) else { return false }
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    /// Throws when `second` reaches the very file `first` names, without following a link at either end: another
    /// spelling on a file system that ignores case, or the same folder through a bind mount. A file written at
    /// `second` would replace the one just written at `first`.
    package static func requireDistinct(_ second: String, from first: String, what: String) throws {
        guard let x = Syscalls.lstat(first), let y = Syscalls.lstat(second), x.st_dev == y.st_dev, x.st_ino == y.st_ino else { return }
        throw KeyVaultError.invalidArgument("\(what) \(second) is \(first) under another name (a file system that ignores case, or a bind mount)")
    }
}
