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
}
