import Foundation

/// Temporary folders for tests: each inside one folder per test process, which is removed when that process exits,
/// so that a run of the suite leaves nothing behind in the system's temporary folder (a run made about 250 folders,
/// and they piled up by the ten thousand on a machine that runs the suite all day).
public enum TestFolders {
    /// The process that made ``root``: a child forked from it that calls `exit` must not remove its parent's folders.
    private static let owner = getpid()

    /// This process's folder (mode 0700), made on first use; removed at exit with everything in it.
    public static let root: String = {
        let path = NSTemporaryDirectory() + "keyvault-tests-\(getpid())-" + UUID().uuidString
        guard mkdir(path, 0o700) == 0 else { fatalError("cannot make the tests' folder \(path): \(String(cString: strerror(errno)))") }
        // `owner` fixed now, in this process: read lazily first in a forked child, it would be the child's pid.
        _ = owner
        atexit { TestFolders.removeRoot() }
        return path
    }()

    /// A new, empty folder (mode 0700) named `prefix-` and a UUID, inside ``root``.
    public static func make(_ prefix: String) throws -> String {
        let path = root + "/" + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Removes ``root`` and everything under it (without following symbolic links), in the process that made it.
    private static func removeRoot() {
        guard getpid() == owner else { return }
        removeTree(root)
    }

    /// Removes `path`: a folder after everything in it, anything else (a symbolic link too) by unlinking it.
    private static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR, let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { removeTree(path + "/" + name) }
            _ = rmdir(path)
        } else {
            _ = unlink(path)
        }
    }
}
