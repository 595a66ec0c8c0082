// `Syscalls.makeDirectories` (mkdir -p for this user's state folders) and the key fingerprint's text.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct MakeDirectoriesTests {
    private func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
        return st.st_mode & 0o7777
    }

    @Test func makesEveryMissingFolderWithTheModeAndAcceptsOnesThatExist() throws {
        let top = try TestFolders.make("kv-mkdir")
        let path = top + "/a/b/c/"
        try Syscalls.makeDirectories(path, mode: 0o700)
        for folder in ["/a", "/a/b", "/a/b/c"] { #expect(mode(top + folder) == 0o700) }
        try Syscalls.makeDirectories(path, mode: 0o700)
        try Syscalls.makeDirectories(top + "/a/b/d", mode: 0o700)
        #expect(mode(top + "/a/b/d") == 0o700)
    }

    @Test func aRelativePathIsMadeUnderTheCurrentFolder() throws {
        let top = try TestFolders.make("kv-mkdir")
        let saved = Syscalls.currentDirectory
        #expect(chdir(top) == 0)
        defer { if let saved { _ = chdir(saved) } }
        try Syscalls.makeDirectories("x/y", mode: 0o700)
        #expect(mode(top + "/x/y") == 0o700)
    }

    @Test func aFileInTheWayIsReportedAndLeftAlone() throws {
        let top = try TestFolders.make("kv-mkdir")
        #expect(FileManager.default.createFile(atPath: top + "/f", contents: Data([7])))
        #expect { try Syscalls.makeDirectories(top + "/f/g/h", mode: 0o700) } throws: { ($0 as? SyscallFailure)?.code == ENOTDIR }
        #expect(try TestFiles.bytes(top + "/f") == [7])
    }

    @Test func theKeyFingerprintIsTheCommitmentsFirstSixteenBytesInGroupsOfFour() {
        let commitment = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 0x9e) }
        #expect(UnlockedVault.fingerprintText(commitment) == "9ec3-e80d-3257-7ca1-c6eb-1035-5a7f-a4c9")
        #expect(UnlockedVault.fingerprintText([UInt8](repeating: 0xff, count: 32)) == "ffff-ffff-ffff-ffff-ffff-ffff-ffff-ffff")
    }
}
