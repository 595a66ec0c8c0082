// Where a command wrote in place in one file: what a vault kept in a database stores, instead of comparing the whole
// file with what it was.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The ranges written in place in one file (by its device and inode) while a command ran, and whether it was cut or
/// grown: everything that changes a vault file without replacing it goes through ``WritePlan/execute(on:path:steps:failure:)``,
/// which reports here. A write that replaces the file (a rename) gives it a new inode and is noticed by that instead.
final class WrittenRanges: Sendable {
    /// The recorder for the file being changed by the current task, if any.
    @TaskLocal static var current: WrittenRanges?

    let device: UInt64
    let inode: UInt64
    private let written = Locked<[(offset: Int, count: Int)]>([])
    private let incomplete = Locked(false)

    /// Whether a write could not be told to be to the watched file or not (its descriptor could not be examined): what
    /// changed must then be found another way.
    var isIncomplete: Bool { incomplete.withLock { $0 } }

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Records `count` bytes written at `offset` of the file open as `fd`, when it is the watched file.
    static func record(fd: Int32, offset: Int, count: Int) {
        guard let recorder = current, count > 0 else { return }
        guard let st = try? Syscalls.fstat(fd) else {
            recorder.incomplete.withLock { $0 = true }
            return
        }
        guard UInt64(st.st_dev) == recorder.device, UInt64(st.st_ino) == recorder.inode else { return }
        recorder.written.withLock { $0.append((offset, count)) }
    }

    /// Records that the file open as `fd` is about to be cut or grown to `size` bytes: bytes it loses past `size` count
    /// as written (zeros, should it grow again).
    static func recordCut(fd: Int32, to size: Int) {
        guard let recorder = current else { return }
        guard let st = try? Syscalls.fstat(fd) else {
            recorder.incomplete.withLock { $0 = true }
            return
        }
        guard UInt64(st.st_dev) == recorder.device, UInt64(st.st_ino) == recorder.inode, Int(st.st_size) > size else { return }
        recorder.written.withLock { $0.append((size, Int(st.st_size) - size)) }
    }

    /// The written ranges in order, overlapping or touching ones joined, cut to a file of `size` bytes.
    func ranges(size: Int) -> [(offset: Int, count: Int)] {
        let sorted = written.withLock { $0 }.sorted { $0.offset < $1.offset }
        var joined: [(offset: Int, count: Int)] = []
        for range in sorted where range.offset < size {
            let end = min(range.offset + range.count, size)
            if let last = joined.last, range.offset <= last.offset + last.count {
                joined[joined.count - 1].count = max(last.count, end - last.offset)
            } else {
                joined.append((range.offset, end - range.offset))
            }
        }
        return joined
    }
}
