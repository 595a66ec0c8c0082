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

    /// `path` made absolute against the current directory (not resolving links); a database location as it is.
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") || DatabaseLocation.isDatabaseLocation(path) { return path }
        return "\(Syscalls.currentDirectory ?? ".")/\(path)"
    }
}
