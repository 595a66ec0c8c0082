// This user's record of a vault (SeenVaults) holds the path it was seen at: a path is any bytes but NUL. Found by an
// attacker's review: a vault path with a line break wrote lines of its own into the record (`records 1000`), after
// which every write to the vault was refused as a roll-back, or a real roll-back could be hidden.
import Foundation
import Testing
import KeyVaultTestSupport
@testable import KeyVault

struct SeenVaultsRecordTests {
    @Test func aPathWithLineBreaksIsKeptOnOneLine() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let seen = SeenVaults(directory: "\(dir)/seen")
        let path = "\(dir)/x\nrecords 1000\npath elsewhere %41\r"
        let alice = try CustodianIdentity.generate()
        let vault = try Vault.create(atPath: path, custodians: [.recipient(alice.recipient!)], formatVersion: 2)
        var credentials = Credentials(identities: [alice])
        credentials.keyPins = seen
        try KeyForgeryTests.seal(path, "SM01", credentials)
        let now = try Vault.open(atPath: path)
        try seen.remember(now, path: path)
        let sighting = try #require(seen.lastSighting(ofVaultID: vault.id))
        #expect(sighting.progress == now.progress && sighting.progress.records < 1000, "\(sighting.progress)")
        #expect(sighting.path == path, "\(sighting.path.debugDescription)")
        #expect(sighting.newest != nil)
        let text = String(decoding: try TestFiles.bytes("\(dir)/seen/\(vault.id)"), as: UTF8.self)
        #expect(text.split(separator: "\n").count == (text.contains("newest ") ? 6 : 5), "\(text.debugDescription)")
        #expect(seen.rollback(of: now) == nil)
    }
}

/// A folder above the store that every user may write without the sticky bit lets them move the store away, records
/// and pins with it (found by an attacker's review: an older copy of a vault then opened without a warning): such a
/// store is not used. /tmp's sticky bit is fine, and so is a folder its group may write (umask 002).
struct SeenVaultsFolderTests {
    @Test func aFolderAboveTheStoreThatOthersMayWriteMakesItUnusable() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        for (mode, usable) in [(0o777, false), (0o1777, true), (0o757, false), (0o775, true), (0o755, true)] {
            let open = "\(dir)/open-\(String(mode, radix: 8))"
            try FileManager.default.createDirectory(atPath: "\(open)/state", withIntermediateDirectories: true)
            #expect(chmod(open, mode_t(mode)) == 0)
            let store = SeenVaults(directory: "\(open)/state/keyvault/seen")
            if usable {
                #expect(store.problem == nil, "mode \(String(mode, radix: 8)): \(store.problem ?? "")")
            } else {
                #expect(
                    store.problem
                        == "every user can write \(open), a folder above it (mode \(String(mode, radix: 8)), no sticky bit), and move this user's records away",
                    "\(store.problem ?? "nil")")
            }
        }
    }
}
