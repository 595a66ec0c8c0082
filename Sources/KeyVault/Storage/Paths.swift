// Splitting paths into directory and file name without Foundation.

package enum Paths {
    /// The directory part of `path` ("." when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// The last component of `path`.
    static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Whether `a` and `b` name the same directory entry: the same name in the same folder, however the folder is
    /// written (`o`, `./o`, `/tmp/../tmp/o`, a folder reached through a symbolic link). Two names of one file (a hard or
    /// symbolic link) are two entries: a file written at one replaces that name only.
    package static func sameEntry(_ a: String, _ b: String) -> Bool {
        func entry(_ path: String) -> (folder: String, name: String) {
            var full = absolute(path)
            while full.count > 1 && full.hasSuffix("/") { full.removeLast() }
            let slash = full.lastIndex(of: "/")!
            let folder = slash == full.startIndex ? "/" : String(full[..<slash])
            let name = String(full[full.index(after: slash)...])
            return (Syscalls.resolvedPath(folder) ?? folder, name)
        }
        let (x, y) = (entry(a), entry(b))
        return x.folder == y.folder && x.name == y.name
    }

    /// `path` made absolute against the current directory (not resolving links); a database location as it is.
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") || DatabaseLocation.isDatabaseLocation(path) { return path }
        return "\(Syscalls.currentDirectory ?? ".")/\(path)"
    }
}
