// An open file descriptor that closes itself, for reading a vault from one inode throughout.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A read-only descriptor, closed on release. A vault keeps one so that every later read (ciphertexts) comes
/// from the same file that was parsed, even if a writer renames a new vault into place meanwhile.
final class OpenFile: @unchecked Sendable {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Opens `path` for reading; `what` names the file in messages ("vault", "key file"). Only a regular file is
    /// accepted: a FIFO, device or socket is refused at once (it is opened without blocking to find out).
    static func open(_ path: String, what: String) throws -> OpenFile {
        let (fd, _) = try openRegular(path, described: "\(what) \(path)")
        return OpenFile(fd: fd, path: path)
    }

    /// Opens `path` read-only, refusing anything but a regular file, without ever blocking in open.
    /// - Parameter described: the file as messages name it, e.g. "vault /srv/v.kv".
    static func openRegular(_ path: String, described what: String) throws -> (Int32, stat) {
        let fd: Int32, st: stat
        do { (fd, st) = try Syscalls.openForInspection(path) } catch {
            if error.code == ENOENT { throw KeyVaultError(.fileConflict, "\(what) does not exist") }
            // open(2) on a socket fails with ENXIO: say what it is, as for a FIFO.
            if error.code == ENXIO, let st = Syscalls.stat(path), (st.st_mode & S_IFMT) == S_IFSOCK {
                throw KeyVaultError.invalidArgument("\(what) is a socket, not a regular file; keyvault reads vaults, keys and identities only from regular files")
            }
            throw KeyVaultError(.io, "cannot open \(what): \(SystemError.describe(error.code))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            Syscalls.close(fd)
            if (st.st_mode & S_IFMT) == S_IFDIR { throw KeyVaultError(.fileConflict, "\(what) is a directory, not a file") }
            throw KeyVaultError.invalidArgument("\(what) is \(Syscalls.describeFileType(st.st_mode)), not a regular file; keyvault reads vaults, keys and identities only from regular files")
        }
        return (fd, st)
    }

    deinit { Syscalls.close(fd) }

    func status(what: String) throws -> stat {
        do { return try Syscalls.fstat(fd) } catch { throw KeyVaultError.io("stat \(what)", path: path, errno: error.code) }
    }

    /// Reads exactly `count` bytes at `offset`.
    func read(count: Int, at offset: Int, what: String) throws -> [UInt8] {
        // Not zero-filled first: a header can be megabytes, and every byte is read into it (or the read fails).
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            try fill(UnsafeMutableRawBufferPointer(buffer), at: offset, what: what)
            initialised = count
        }
    }

    /// Reads exactly `count` bytes at `offset` onto the end of `bytes`, with no buffer in between (a chunk of
    /// metadata is read a mebibyte at a time into one array). On an error `bytes` is as it was; its capacity is kept.
    ///
    /// A read at least as large as what `bytes` holds (an upgraded vault's 13 MiB commit after the chunk's first
    /// mebibyte) goes into a new array, not zero-filled first, with the bytes already held copied over: no more
    /// bytes written than zero-filling would write, and one pass over the memory fewer. A smaller read is appended to
    /// zeros in place, so that many small reads do not copy what is held again each time.
    func read(count: Int, at offset: Int, appendingTo bytes: inout [UInt8], what: String) throws {
        precondition(count >= 0, "a count of bytes to read")
        let start = bytes.count
        if count >= start {
            bytes = try [UInt8](unsafeUninitializedCapacity: max(bytes.capacity, start + count)) { [bytes] buffer, initialised in
                if start > 0 { bytes.withUnsafeBufferPointer { buffer.baseAddress!.initialize(from: $0.baseAddress!, count: start) } }
                initialised = start
                try fill(UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + count)])), at: offset, what: what)
                initialised = start + count
            }
            return
        }
        bytes.appendZeros(count)
        do {
            try bytes.withUnsafeMutableBytes { all in try fill(UnsafeMutableRawBufferPointer(rebasing: all[start...]), at: offset, what: what) }
        } catch {
            bytes.removeLast(count)
            throw error
        }
    }

    /// Fills `buffer` from `offset`: an I/O error, or the file ending before the buffer is full, is thrown as one.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws {
        let complete: Bool
        do throws(SyscallFailure) {
            complete = try Syscalls.preadFully(fd, buffer, offset: offset)
        } catch {
            throw KeyVaultError.io("read \(what)", path: path, errno: error.code)
        }
        guard complete else {
            throw KeyVaultError.damaged("vault damaged or truncated: \(what) ends early (\(path) changed while being read?)")
        }
    }

    /// Whether the `count` bytes at `offset` are all zeros: what a reader checks of a chunk's unused capacity without
    /// holding it in memory. Holes — space never written (``AtomicFile/leaveZeros(_:)``) — are zeros and are passed
    /// without reading them (lseek SEEK_DATA), on the file systems whose answers are known to hold
    /// (``Syscalls/reportsHolesReliably(_:)``); the data between is read a piece at a time into one buffer. Anywhere
    /// else, or when an answer makes no sense, everything is read.
    ///
    /// - Throws: as ``read(count:at:what:)``: an I/O error, or the file ending early.
    func isZero(count: Int, at offset: Int, what: String) throws -> Bool {
        let end = offset + count
        var position = offset
        // (A hole skipped where there is data would hide a commit behind zeros: OpenZFS has reported holes over dirty
        // data, and a FUSE server answers lseek itself.)
        let seeks = count > 0 && Syscalls.reportsHolesReliably(fd)
        var buffer: UnsafeMutableRawBufferPointer?
        defer { buffer?.deallocate() }
        while position < end {
            let (data, hole) = seeks ? dataExtent(from: position, end: end) : (position, end)
            guard let data, data < end else {
                // Zeros to `end`, if the file still reaches it.
                guard Int(try status(what: what).st_size) >= end else {
                    throw KeyVaultError.damaged("vault damaged or truncated: \(what) ends early (\(path) changed while being read?)")
                }
                return true
            }
            let stop = min(hole, end)
            position = data
            // Sized for the whole rest, not this region: a file of many small data regions is read in few reads.
            let piece = buffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: min(end - position, 1 << 18), alignment: 8)
            buffer = piece
            while position < stop {
                let part = UnsafeMutableRawBufferPointer(rebasing: piece[..<min(piece.count, stop - position)])
                try fill(part, at: position, what: what)
                guard Self.isAllZero(UnsafeRawBufferPointer(part)) else { return false }
                position += part.count
            }
        }
        return true
    }

    /// The first data at or after `position`, passing holes (nil: only holes to the end of the file); `position`
    /// itself where the file system's answers are not known to hold (``Syscalls/reportsHolesReliably(_:)``).
    func dataStart(from position: Int) -> Int? {
        guard Syscalls.reportsHolesReliably(fd) else { return position }
        return dataExtent(from: position, end: .max).data
    }

    /// The next data at or after `position` and the hole after it (nil data: only holes before the end of the file);
    /// all data to `end` where the file system cannot say, or says something that goes backwards or is empty.
    private func dataExtent(from position: Int, end: Int) -> (data: Int?, hole: Int) {
        do throws(SyscallFailure) {
            guard let data = try Syscalls.nextData(fd, from: position) else { return (nil, end) }
            let hole = try Syscalls.nextHole(fd, from: data)
            guard data >= position, hole > data else { return (position, end) }
            return (data, hole)
        } catch {
            return (position, end)
        }
    }

    /// Whether every byte is zero, eight at a time.
    static func isAllZero(_ raw: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= raw.count {
            acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < raw.count {
            acc |= UInt64(raw[i])
            i += 1
        }
        return acc == 0
    }
}
