// The one place keyvault calls the operating system (swift-system's Internals/Syscalls idea): files, locks, atomic
// renames, terminals, the clock, the user and host names, process set-up. docs/PORTING.md lists what a port replaces;
// Tests/KeyVaultTests/Format/LayerTests.swift fails when a call to the C library appears anywhere else.
#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
internal import CKeyVaultSystem

package enum SystemError {
    /// `strerror` text for an errno value.
    package static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text).lowercased()
    }
}

package enum Syscalls {
    static var errno: Int32 { Glibc.errno }

    /// open(2), retrying on EINTR.
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 || errno != EINTR { return fd }
        }
    }

    /// Opens an existing regular file for writing in place (a version-2 append), never following a final symbolic link
    /// and never blocking.
    static func openForWriting(_ path: String) throws(SyscallFailure) -> Int32 {
        let fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)
        if fd < 0 { throw SyscallFailure(errno) }
        return fd
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`; returns false on a short file.
    static func preadFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int) throws(SyscallFailure) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 { if errno == EINTR { continue }; throw SyscallFailure(errno) }
            if n == 0 { return false }
            done += n
        }
        return true
    }

    /// Reads up to `buffer.count` bytes sequentially (pipes, terminals); returns how many were read before EOF.
    static func readUpTo(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SyscallFailure) -> Int {
        var done = 0
        while done < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 { if errno == EINTR { continue }; throw SyscallFailure(errno) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `buffer`.
    package static func writeFully(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SyscallFailure) {
        var done = 0
        while done < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 { if errno == EINTR { continue }; throw SyscallFailure(errno) }
            done += n
        }
    }

    /// Writes all of `buffer` at `offset`, leaving the file position alone.
    static func pwriteFully(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, offset: Int) throws(SyscallFailure) {
        var done = 0
        while done < buffer.count {
            let n = Glibc.pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 { if errno == EINTR { continue }; throw SyscallFailure(errno) }
            done += n
        }
    }

    static func fdatasync(_ fd: Int32) throws(SyscallFailure) {
        while Glibc.fdatasync(fd) != 0 { if errno != EINTR { throw SyscallFailure(errno) } }
    }

    static func ftruncate(_ fd: Int32, _ size: Int) throws(SyscallFailure) {
        while Glibc.ftruncate(fd, off_t(size)) != 0 { if errno != EINTR { throw SyscallFailure(errno) } }
    }

    /// Whether `fd`'s file system is one whose lseek SEEK_DATA/SEEK_HOLE answers are trusted to never call data a
    /// hole: ext2/3/4, XFS, Btrfs, tmpfs and F2FS (by `fstatfs`'s magic number). Not OpenZFS (holes reported over dirty
    /// data: openzfs/zfs#8816, #11900), FUSE (the server answers), NFS, or anything unknown.
    static func reportsHolesReliably(_ fd: Int32) -> Bool {
        [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0xF2F5_2010].contains(kv_file_system_type(fd))
    }

    /// Where the first data at or after `offset` is (lseek SEEK_DATA): nil when there is none before the end of the
    /// file (ENXIO). Throws for anything else (a file system without holes answers with `offset` itself). Space
    /// reserved with fallocate counts as data once a read has put its zeros in the page cache.
    static func nextData(_ fd: Int32, from offset: Int) throws(SyscallFailure) -> Int? {
        let found = kv_seek_data(fd, Int64(offset))
        if found >= 0 { return Int(found) }
        if errno == ENXIO { return nil }
        throw SyscallFailure(errno)
    }

    /// Where the first hole at or after `offset` is (lseek SEEK_HOLE); the end of the file counts as one.
    static func nextHole(_ fd: Int32, from offset: Int) throws(SyscallFailure) -> Int {
        let found = kv_seek_hole(fd, Int64(offset))
        if found >= 0 { return Int(found) }
        throw SyscallFailure(errno)
    }

    /// Moves `fd`'s file position to `offset` (lseek SEEK_SET).
    static func seek(_ fd: Int32, to offset: Int) throws(SyscallFailure) {
        if Glibc.lseek(fd, off_t(offset), SEEK_SET) < 0 { throw SyscallFailure(errno) }
    }

    static func fsync(_ fd: Int32) throws(SyscallFailure) {
        while Glibc.fsync(fd) != 0 { if errno != EINTR { throw SyscallFailure(errno) } }
    }

    static func fstat(_ fd: Int32) throws(SyscallFailure) -> Glibc.stat {
        var st = Glibc.stat()
        guard Glibc.fstat(fd, &st) == 0 else { throw SyscallFailure(errno) }
        return st
    }

    static func stat(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return fstatat(AT_FDCWD, path, &st, 0) == 0 ? st : nil
    }

    static func lstat(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    static func fchmod(_ fd: Int32, _ mode: mode_t) throws(SyscallFailure) {
        guard Glibc.fchmod(fd, mode) == 0 else { throw SyscallFailure(errno) }
    }

    static func rename(_ from: String, _ to: String) throws(SyscallFailure) {
        guard Glibc.rename(from, to) == 0 else { throw SyscallFailure(errno) }
    }

    /// rename that refuses to replace: renameat2(RENAME_NOREPLACE), or link+unlink where that is unsupported.
    static func renameNoReplace(_ from: String, _ to: String) throws(SyscallFailure) {
        if kv_rename_noreplace(from, to) == 0 { return }
        let failure = errno
        guard failure == EINVAL || failure == ENOSYS else { throw SyscallFailure(failure) }
        guard Glibc.link(from, to) == 0 else { throw SyscallFailure(errno) }
        _ = Glibc.unlink(from)
    }

    static func unlink(_ path: String) { _ = Glibc.unlink(path) }

    /// Removes the file at `path`; a file that is not there is not an error.
    static func removeIfPresent(_ path: String) throws(SyscallFailure) {
        if Glibc.unlink(path) != 0, errno != ENOENT { throw SyscallFailure(errno) }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// flock(LOCK_EX | LOCK_NB); false when another process holds it.
    static func tryLockExclusive(_ fd: Int32) throws(SyscallFailure) -> Bool {
        while true {
            if kv_try_lock_exclusive(fd) == 0 { return true }
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    /// flock(LOCK_SH | LOCK_NB); false when a writer holds the lock.
    static func tryLockShared(_ fd: Int32) throws(SyscallFailure) -> Bool {
        while true {
            if kv_try_lock_shared(fd) == 0 { return true }
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    /// flock(LOCK_UN).
    static func unlockFile(_ fd: Int32) { _ = kv_unlock(fd) }

    /// mkstemp in `directory` with a name starting `prefix`; the file is created 0600. Returns (fd, path).
    static func makeTemporary(directory: String, prefix: String) throws(SyscallFailure) -> (Int32, String) {
        var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { kv_make_temporary($0.baseAddress!) }
        guard fd >= 0 else { throw SyscallFailure(errno) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (fd, path)
    }

    /// Names in `directory` (without "." and "..").
    static func listDirectory(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func sleep(milliseconds: Int) { _ = usleep(useconds_t(milliseconds * 1000)) }

    /// Makes the process non-dumpable with a zero core limit.
    static func disableCoreDumps() -> Bool { kv_disable_core_dumps() == 0 }

    /// Keeps memory the process frees for its own reuse instead of returning it to the system: a command lays out a
    /// 100,000-entry vault's 13 MiB of metadata several times, and each fresh mapping is paid again in page faults
    /// (a quarter of a restore's time there). For a short-lived process, the command line; not for a library's host.
    package static func keepFreedMemory() -> Bool { kv_keep_freed_memory() == 0 }

    /// Before a large vault's metadata is read and laid out (`bytes`: about what the command will touch): when
    /// ``keepFreedMemory()`` tuned this process's heap, grows it by that much (at most 64 MiB), untouched, and asks for
    /// transparent huge pages there, once per process; not under a finite address-space or data limit or strict
    /// overcommit, where untouched memory still counts. At 100,000 entries a restore took 12,500 page faults; with huge
    /// pages, 1,080 (999 with the cap), and 84.6 -> 74.2 ms (docs/BENCHMARKS.md). Does nothing in a library's host
    /// process.
    static func expectLargeAllocations(_ bytes: Int) { _ = kv_expect_large_allocations(max(0, bytes)) }

    /// Runs `body` on a new thread (`pthread_create`) with a stack of 256 KiB, not the 8 MiB a default thread maps;
    /// nil when none can be made (EAGAIN: the caller then does the work itself). The thread must be joined with
    /// ``joinThread(_:)``.
    static func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        if refusingThreads.withLock({ $0 }) { return nil }
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        _ = pthread_attr_setstacksize(&attributes, 256 << 10)
        let started = pthread_create(
            &thread, &attributes,
            { raw in
                Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context)
        guard started == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return nil
        }
        return thread
    }

    /// For tests: while true, ``startThread(_:)`` fails as `pthread_create` does when no thread can be had (EAGAIN
    /// under `RLIMIT_NPROC`, which root, who runs the tests, is not held to), so that callers' fallbacks run. Callers do
    /// the same work either way, so tests running meanwhile get the same results.
    static let refusingThreads = Locked(false)

    /// Waits for a thread from ``startThread(_:)`` to end (`pthread_join`).
    static func joinThread(_ thread: pthread_t) { _ = pthread_join(thread, nil) }

    /// The closure a thread runs, boxed to cross `pthread_create`'s C pointer.
    private final class ThreadBody: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func setEcho(_ fd: Int32, _ on: Bool) -> Int32 { kv_set_terminal_echo(fd, on ? 1 : 0) }

    /// Puts every fatal signal back to its default action (no crash handler runs; core dumps are off).
    static func resetFatalSignalHandlers() -> Bool { kv_reset_fatal_signal_handlers() == 0 }

    /// An unnamed 0600 file in `directory` (O_TMPFILE); nil where the file system does not offer them.
    static func openUnnamed(directory: String) -> Int32? {
        let fd = kv_open_unnamed(directory)
        return fd >= 0 ? fd : nil
    }

    /// link(2): a second name for the file at `existing`, never replacing one; false when `path` exists.
    static func link(_ existing: String, to path: String) throws(SyscallFailure) -> Bool {
        if Glibc.link(existing, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw SyscallFailure(errno)
    }

    /// Names the unnamed file `fd` as `path`; throws EEXIST when `path` exists.
    static func linkUnnamed(_ fd: Int32, to path: String) throws(SyscallFailure) {
        while kv_link_unnamed(fd, path) != 0 {
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    static func isOpen(_ fd: Int32) -> Bool { kv_fd_is_open(fd) == 1 }

    static func setNonBlocking(_ fd: Int32, _ on: Bool) { _ = kv_set_nonblocking(fd, on ? 1 : 0) }

    static func fchown(_ fd: Int32, uid: uid_t, gid: gid_t) throws(SyscallFailure) {
        if Glibc.fchown(fd, uid, gid) != 0 { throw SyscallFailure(errno) }
    }

    /// The locked-memory limit in bytes, or nil when unlimited.
    static var memoryLockLimit: Int? { let n = kv_memlock_limit(); return n < 0 ? nil : Int(n) }

    /// mlock(2); the errno when refused.
    static func lockMemory(_ base: UnsafeMutableRawPointer, _ count: Int) -> Int32? {
        Glibc.mlock(base, count) == 0 ? nil : errno
    }

    package static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Reads a small regular file whole (at most `max` bytes) as text; with `owner`, only a file of that user, never
    /// through a symbolic link.
    static func readSmallFile(_ path: String, max: Int, ownedBy owner: uid_t? = nil) throws(SyscallFailure) -> String {
        let (fd, st) = try openForInspection(path, followingLinks: owner == nil)
        defer { close(fd) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SyscallFailure(EINVAL) }
        if let owner, st.st_uid != owner { throw SyscallFailure(EPERM) }
        var buffer = [UInt8](repeating: 0, count: max)
        var failure: SyscallFailure?
        let n = buffer.withUnsafeMutableBytes { b -> Int in
            do throws(SyscallFailure) { return try readUpTo(fd, b) } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Appends the line `bytes` to the regular file at `path` (created with mode 0600; never through a symbolic link,
    /// never waiting on a FIFO), after a line feed when the file does not end in one, and fsyncs it, and its folder
    /// when the file was created. EFBIG when the file would grow past `maxSize` bytes.
    ///
    /// A file it creates gets `like`'s permission bits (without execute) and, where this user may give it, its group:
    /// a file beside a vault shared by a group is then readable and writable by the same people as the vault.
    static func appendDurably(_ path: String, _ bytes: [UInt8], maxSize: Int, like: Glibc.stat? = nil) throws(SyscallFailure) {
        let flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK
        var fd = open(path, flags | O_CREAT | O_EXCL, 0o600)
        let created = fd >= 0
        if !created && errno == EEXIST { fd = open(path, flags) }
        guard fd >= 0 else { throw SyscallFailure(errno) }
        defer { close(fd) }
        let st = try fstat(fd)
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SyscallFailure(EINVAL) }
        if created, let like {
            // Best effort for the group (only a member of it may give it); the bits are this file's own to set.
            if like.st_gid != st.st_gid { try? fchown(fd, uid: uid_t.max, gid: like.st_gid) }
            try fchmod(fd, like.st_mode & 0o666)
        }
        setNonBlocking(fd, false)
        let size = Int(st.st_size)
        var line = bytes
        if size > 0 {
            var last: UInt8 = 0x0A
            _ = try withUnsafeMutableBytes(of: &last) { b throws(SyscallFailure) in try preadFully(fd, b, offset: size - 1) }
            // A line cut short (a crash while appending) is ended, so that it does not swallow this one.
            if last != 0x0A { line.insert(0x0A, at: 0) }
        }
        guard size + line.count <= maxSize else { throw SyscallFailure(EFBIG) }
        var failure: SyscallFailure?
        line.withUnsafeBytes { b in
            do throws(SyscallFailure) { try writeFully(fd, b) } catch { failure = error }
        }
        if let failure { throw failure }
        try fsync(fd)
        if created { try syncDirectory(of: path) }
    }

    /// fsyncs the folder holding `path`, so that a file created or removed there survives a power loss.
    static func syncDirectory(of path: String) throws(SyscallFailure) {
        let fd = open(Paths.directory(of: path), O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw SyscallFailure(errno) }
        defer { close(fd) }
        try fsync(fd)
    }

    /// mkdir -p with `mode` for the folders it creates.
    static func makeDirectories(_ path: String, mode: mode_t) throws(SyscallFailure) {
        // The folder itself first: it usually exists (one system call, where making every folder from the root took
        // one per component on every write of a seen-vault record); its parents only when it has none.
        if Glibc.mkdir(path, mode) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw SyscallFailure(errno) }
        var parent = path
        while parent.hasSuffix("/") { parent.removeLast() }
        guard let slash = parent.lastIndex(of: "/"), slash != parent.startIndex else { throw SyscallFailure(ENOENT) }
        try makeDirectories(String(parent[..<slash]), mode: mode)
        if Glibc.mkdir(path, mode) != 0 && errno != EEXIST { throw SyscallFailure(errno) }
    }

    /// The current directory.
    static var currentDirectory: String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Copies `from`'s POSIX access ACL to `to`; true when there was one.
    static func copyAccessACL(from: Int32, to: Int32) throws(SyscallFailure) -> Bool {
        let rc = kv_copy_access_acl(from, to)
        if rc < 0 { throw SyscallFailure(errno) }
        return rc == 1
    }

    static var effectiveUserID: uid_t { geteuid() }

    /// The name of the effective user (`getpwuid(geteuid())`), or nil when the user database has none.
    static var effectiveUserName: String? {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// gethostname(2): the kernel's name for this machine (its UTS namespace's); the errno when it cannot be read.
    static func hostName() throws(SyscallFailure) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { throw SyscallFailure(errno) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Seconds since the Unix epoch from the real-time clock.
    static var secondsSinceEpoch: Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int(ts.tv_sec)
    }

    /// realpath(3): `path` with symbolic links resolved, or nil when it cannot be.
    static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Makes descriptor `target` refer to what `fd` does (dup2).
    static func duplicate(_ fd: Int32, onto target: Int32) { _ = dup2(fd, target) }

    /// Reads one byte, retrying on EINTR; nil at end of file or on an error.
    static func readByte(_ fd: Int32) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            return n == 1 ? byte : nil
        }
    }

    /// Opens `path` read-only without blocking (a FIFO with no writer, a device that waits) and without becoming the
    /// controlling terminal. Returns the descriptor and its status, or the errno of open/fstat.
    static func openForInspection(_ path: String, followingLinks: Bool = true) throws(SyscallFailure) -> (Int32, Glibc.stat) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw SyscallFailure(errno) }
        do {
            let st = try fstat(fd)
            setNonBlocking(fd, false)
            return (fd, st)
        } catch {
            close(fd)
            throw error
        }
    }

    /// "a FIFO", "a folder", … for a file type that is not a regular file.
    /// Whether a status is a directory's.
    static func isDirectory(_ st: Glibc.stat) -> Bool { (st.st_mode & S_IFMT) == S_IFDIR }

    static func describeFileType(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }
}

/// A child process with pipes to its standard input, output and error (ours: the far ends are in the child).
struct ChildProcess {
    let pid: pid_t
    let input: Int32
    let output: Int32
    let errors: Int32
}

extension Syscalls {
    /// Starts `argv[0]` (searched on PATH) with `argv`, its standard input, output and error on new pipes, and
    /// SIGPIPE at its default action (this process ignores it while it talks to children: see
    /// ``ignoreBrokenPipes()``). The pipes are close-on-exec on our side.
    static func spawn(_ argv: [String]) throws(SyscallFailure) -> ChildProcess {
        var fds = [Int32](repeating: -1, count: 6)
        for i in 0..<3 {
            let ok = fds.withUnsafeMutableBufferPointer { kv_pipe_cloexec($0.baseAddress! + 2 * i) } == 0
            if !ok { let e = errno; for fd in fds where fd >= 0 { close(fd) }; throw SyscallFailure(e) }
        }
        // fds: [in read, in write, out read, out write, err read, err write]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[3], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[5], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid = pid_t()
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ)
        for i in [0, 3, 5] { close(fds[i]) }
        guard rc == 0 else { for i in [1, 2, 4] { close(fds[i]) }; throw SyscallFailure(rc) }
        return ChildProcess(pid: pid, input: fds[1], output: fds[2], errors: fds[4])
    }

    /// SIGPIPE ignored from now on, so a child that exits while we write to it gives EPIPE instead of killing us.
    static func ignoreBrokenPipes() { _ = signal(SIGPIPE, SIG_IGN) }

    /// Holds SIGINT, SIGTERM and SIGHUP until ``resumeTermination()``: for the moment between a restored key being put
    /// out and its audit record being written (which waits for the vault's lock), so that a signal does not leave a key
    /// out with no record of it.
    package static func deferTermination() { kv_defer_termination() }

    /// Puts the actions of SIGINT, SIGTERM and SIGHUP back and, when one came meanwhile, lets it act now (the process
    /// ends as it would have).
    package static func resumeTermination() { _ = kv_resume_termination() }

    /// SIGXFSZ ignored from now on: a write past RLIMIT_FSIZE fails with EFBIG instead of ending the process.
    static func ignoreFileSizeSignal() { _ = signal(SIGXFSZ, SIG_IGN) }

    /// poll(2) on (fd, events) pairs, retrying on EINTR; returns the revents in the same order.
    static func poll(_ fds: [(Int32, Int16)], timeoutMilliseconds: Int32 = -1) throws(SyscallFailure) -> [Int16] {
        var entries = fds.map { pollfd(fd: $0.0, events: $0.1, revents: 0) }
        while true {
            let n = Glibc.poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
            if n >= 0 { return entries.map(\.revents) }
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    /// One read(2), retrying on EINTR; 0 at end of file.
    static func readOnce(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SyscallFailure) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    /// One write(2), retrying on EINTR; how many bytes it took.
    static func writeOnce(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SyscallFailure) -> Int {
        while true {
            let n = Glibc.write(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw SyscallFailure(errno) }
        }
    }

    /// waitpid(2) for `pid`: its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 { if errno != EINTR { return -1 } }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// As ``wait(_:)``, giving up after `timeoutMilliseconds`: nil then (the child is left running).
    static func wait(_ pid: pid_t, timeoutMilliseconds: Int32) -> Int32? {
        var status: Int32 = 0
        var waited: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r < 0 && errno != EINTR { return -1 }
            if r == pid { break }
            if waited >= timeoutMilliseconds { return nil }
            usleep(20_000)
            waited += 20
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Ends process `pid` at once (SIGKILL).
    static func killNow(_ pid: pid_t) { _ = kill(pid, SIGKILL) }

    static let pollIn = Int16(POLLIN), pollOut = Int16(POLLOUT), pollFailed = Int16(POLLERR | POLLNVAL)
    static let brokenPipe = EPIPE

    static func terminate(_ pid: pid_t) { _ = kill(pid, SIGTERM) }
}

/// A failed system call's errno, typed so callers add the path and operation.
package struct SyscallFailure: Error {
    package let code: Int32
    init(_ code: Int32) { self.code = code }
}
