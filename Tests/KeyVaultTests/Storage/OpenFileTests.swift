// Reading a file onto the end of a byte array: large reads into a new array, small ones in place; on an error the
// array is as it was.
import Foundation
import Testing

@testable import KeyVault
import KeyVaultTestSupport

struct OpenFileTests {
    /// A file of `count` bytes that differ from their neighbours, and its path.
    private static func file(_ count: Int) throws -> ([UInt8], String) {
        let path = NSTemporaryDirectory() + "kv-openfile-" + UUID().uuidString
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
}
