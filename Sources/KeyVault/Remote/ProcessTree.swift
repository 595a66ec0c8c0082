// The processes a child started, read from /proc: an ssh command that is a wrapper (`KEYVAULT_SSH_COMMAND` without
// `exec`) has ssh as its child, and ending the wrapper alone would leave ssh connected, holding the pipes.

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

enum ProcessTree {
    /// The living processes descended from `pid` (not `pid` itself), parents before their children.
    static func descendants(of pid: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for name in Syscalls.listDirectory("/proc") {
            guard let child = pid_t(name), let parent = parent(of: child) else { continue }
            children[parent, default: []].append(child)
        }
        var out: [pid_t] = []
        var next = children[pid] ?? []
        while let p = next.first {
            next.removeFirst()
            // (A pid seen twice would be a loop in a table read while it changed: each is taken once.)
            guard !out.contains(p) else { continue }
            out.append(p)
            next += children[p] ?? []
        }
        return out
    }

    /// Ends `pid` and every process descended from it at once (SIGKILL).
    static func killNow(_ pid: pid_t) { signal(SIGKILL, tree: pid) }

    /// Asks `pid` and every process descended from it to end (SIGTERM).
    static func terminate(_ pid: pid_t) { signal(SIGTERM, tree: pid) }

    /// Sends `signal` to `pid` and to every process descended from it, read twice so that one started meanwhile
    /// is reached too.
    static func signal(_ signal: Int32, tree pid: pid_t) {
        let first = descendants(of: pid)
        _ = kill(pid, signal)
        for p in first { _ = kill(p, signal) }
        for p in descendants(of: pid) where !first.contains(p) { _ = kill(p, signal) }
    }

    /// The parent of `pid` from /proc/PID/stat (its fourth field, after the command name in parentheses, which may
    /// itself hold spaces and parentheses); nil when it has gone.
    static func parent(of pid: pid_t) -> pid_t? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, let close = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(close + 1)..<n].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2 else { return nil }
        return pid_t(String(decoding: fields[1], as: UTF8.self))
    }
}
