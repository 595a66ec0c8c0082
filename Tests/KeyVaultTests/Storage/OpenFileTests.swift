// Reading a file onto the end of a byte array: large reads into a new array, small ones in place; on an error the
// array is as it was.
import Foundation
import Testing

@testable import KeyVault
import KeyVaultTestSupport

struct OpenFileTests {
    /// A file of `count` bytes that differ from their neighbours, and its path.
    private static func file(_ count: Int) throws -> ([UInt8], String) {
        let path = try TestFolders.make("kv-openfile") + "/f"
        var rng = SplitMix64(state: 0x6f70_656e)
        let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (bytes, path)
    }

    @Test func readsAppendedInPiecesOfEverySizeGiveTheFile() throws {
        let (expected, path) = try Self.file(4 << 20)
        defer { unlink(path) }
        let file = try OpenFile.open(path, what: "test file")
        // Pieces smaller and larger than what is held: both ways of growing, from empty, with room reserved or not.
        for (pieces, reserve) in [([1, 1, 7, 100, 4096, 1 << 20, 5, 1 << 21], false), ([0, 1 << 20, 1 << 20, 1 << 20], true), ([3 << 20], false)] {
            var bytes: [UInt8] = []
            if reserve { bytes.reserveCapacity(expected.count) }
            var at = 0
            for count in pieces where at + count <= expected.count {
                try file.read(count: count, at: at, appendingTo: &bytes, what: "test file")
                at += count
                #expect(bytes.count == at)
                if reserve { #expect(bytes.capacity >= expected.count, "room reserved is kept") }
            }
            #expect(bytes[...] == expected[..<at], "pieces \(pieces)")
        }
    }

    @Test func aReadPastTheEndLeavesTheArrayAsItWas() throws {
        let (expected, path) = try Self.file(10_000)
        defer { unlink(path) }
        let file = try OpenFile.open(path, what: "test file")
        // Larger than what is held (a new array) and smaller (in place), each running past the end of the file.
        for (held, count) in [(0, 10_001), (9_000, 11_000), (9_000, 1_500)] {
            var bytes = Array(expected[..<held])
            bytes.reserveCapacity(50_000)
            do {
                try file.read(count: count, at: held, appendingTo: &bytes, what: "test file")
                Issue.record("a read of \(count) bytes at \(held) past the end of a 10,000-byte file was not refused")
            } catch let error as KeyVaultError {
                #expect(error.message == "vault damaged or truncated: test file ends early (\(path) changed while being read?)")
            }
            #expect(bytes[...] == expected[..<held])
            #expect(bytes.capacity >= 50_000)
        }
    }

    /// Zeros are zeros however the file holds them — a hole, zeros written — and one byte that is not zero is found
    /// wherever it lies among them; a range past the end of the file is refused.
    @Test func zerosAreFoundInHolesReservedSpaceAndDataAlike() throws {
        let path = NSTemporaryDirectory() + "kv-zeros-" + UUID().uuidString
        defer { unlink(path) }
        let block = 4096
        // In blocks: data [0, 2), hole [2, 40), zeros written [40, 41), hole [41, 80), zeros written [80, 82), hole
        // [82, 300), and one zero byte written at the very end.
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(pwrite(fd, [UInt8](repeating: 7, count: 2 * block), 2 * block, 0) == 2 * block)
        #expect(ftruncate(fd, off_t(300 * block + 1)) == 0)
        #expect(pwrite(fd, [UInt8](repeating: 0, count: block), block, off_t(40 * block)) == block)
        #expect(pwrite(fd, [UInt8](repeating: 0, count: 2 * block), 2 * block, off_t(80 * block)) == 2 * block)
        #expect(pwrite(fd, [0], 1, off_t(300 * block)) == 1)
        // As the file system reports it: the holes are not data, so they are passed unread.
        #expect(try Syscalls.nextData(fd, from: 2 * block) == 40 * block)
        #expect(try Syscalls.nextData(fd, from: 41 * block) == 80 * block)
        let file = try OpenFile.open(path, what: "test file")
        let rest = 300 * block + 1 - 2 * block
        #expect(try file.isZero(count: rest, at: 2 * block, what: "test file"))
        #expect(try !file.isZero(count: 10, at: 2 * block - 1, what: "test file"))
        #expect(try file.isZero(count: 0, at: 300 * block + 1, what: "test file"))

        // One byte anywhere: in a hole, among the zeros written, at the very end.
        for at in [2 * block, 39 * block + 4095, 40 * block, 40 * block + 4095, 60 * block + 17, 80 * block + 1, 82 * block, 299 * block, 300 * block] {
            #expect(pwrite(fd, [0x01], 1, off_t(at)) == 1)
            #expect(try !file.isZero(count: rest, at: 2 * block, what: "test file"), "a byte at \(at)")
            #expect(try file.isZero(count: at - 2 * block, at: 2 * block, what: "test file"), "zeros before \(at)")
            #expect(pwrite(fd, [0x00], 1, off_t(at)) == 1)
        }

        // Past the end of the file, behind a hole: refused as a read past the end is.
        #expect(ftruncate(fd, off_t(200 * block)) == 0)
        do {
            _ = try file.isZero(count: 150 * block, at: 100 * block, what: "test file")
            Issue.record("a range past the end was read as zeros")
        } catch let error as KeyVaultError {
            #expect(error.message == "vault damaged or truncated: test file ends early (\(path) changed while being read?)")
        }
    }

    /// Room left between two writes reads as zeros, is a hole, and the next write follows it.
    @Test func roomLeftByAnAtomicFileReadsAsZerosAndIsAHole() throws {
        let dir = try TestFolders.make("kv-room")
        let path = dir + "/f"
        let out = try AtomicFile(finalPath: path)
        try out.write([1, 2, 3])
        try out.leaveZeros(0)
        try out.leaveZeros(5 << 20)
        try out.write([4, 5])
        try out.leaveZeros(9_000)
        try out.commit(replacing: false)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect(try Syscalls.nextData(fd, from: 4096).map { $0 >= 5 << 20 } == true)
        let bytes = try TestFiles.bytes(path)
        #expect(bytes.count == 3 + (5 << 20) + 2 + 9_000)
        #expect(bytes.prefix(3) == [1, 2, 3] && bytes[(3 + (5 << 20))...].prefix(2) == [4, 5])
        #expect(bytes[3..<(3 + (5 << 20))].allSatisfy { $0 == 0 } && bytes.suffix(9_000).allSatisfy { $0 == 0 })
    }

    /// Holes are trusted on the file systems listed (tmpfs here) and on no other (procfs here, standing for FUSE, NFS
    /// and ZFS: everything is read there).
    @Test(.enabled(if: access("/dev/shm", W_OK) == 0, "needs a writable /dev/shm (tmpfs)"))
    func holesAreTrustedOnlyOnListedFileSystems() throws {
        let path = "/dev/shm/kv-fs-" + UUID().uuidString
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        #expect(Syscalls.reportsHolesReliably(fd))
        let proc = open("/proc/self/status", O_RDONLY)
        defer { close(proc) }
        #expect(proc >= 0 && !Syscalls.reportsHolesReliably(proc))
        #expect(!Syscalls.reportsHolesReliably(-1))
    }
}
