// A roll-back put in place while a write runs: after the command's own check of what it read (which a person's typing
// or a passphrase's hashing can leave a second before the lock), an older copy written to since replaces the file.
// Found by an attacker's review: the write went into the older copy, and the user's record followed it.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct RollbackUnderLockTests {
    /// A vault seen by this user at its newer history, and a fork of it: its older copy sealed into by someone who
    /// had not seen the newer one (`forkSeals` times: as many records as seen, or more).
    static func forked(forkSeals: Int) throws -> (
        path: String, seen: SeenVaults, credentials: Credentials, newer: [UInt8], fork: [UInt8], older: [UInt8]
    ) {
        let dir = try CustodianSupport.temporaryDirectory()
        let alice = try CustodianIdentity.generate()
        let path = "\(dir)/v.kv"
        let seen = SeenVaults(directory: "\(dir)/seen")
        try Vault.create(atPath: path, custodians: [.recipient(alice.recipient!)], keyPins: seen)
        var credentials = Credentials(identities: [alice])
        credentials.keyPins = seen
        try KeyForgeryTests.seal(path, "SM01", credentials)
        let older = try TestFiles.bytes(path)
        try KeyForgeryTests.seal(path, "DW01", credentials)
        try seen.remember(try Vault.open(atPath: path), path: path)
        let newer = try TestFiles.bytes(path)
        // Someone else's copy: no record of the newer history.
        try Data(older).write(to: URL(fileURLWithPath: "\(dir)/other.kv"))
        var other = Credentials(identities: [alice])
        other.keyPins = SeenVaults(directory: "\(dir)/other-seen")
        for n in 0..<forkSeals { try KeyForgeryTests.seal("\(dir)/other.kv", "SSP0\(n)", other) }
        return (path, seen, credentials, newer, try TestFiles.bytes("\(dir)/other.kv"), older)
    }

    static func put(_ bytes: [UInt8], at path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".new"))
        #expect(rename(path + ".new", path) == 0)
    }

    @Test(arguments: [1, 2])
    func aForkPutInPlaceAfterTheReadIsNotWrittenTo(forkSeals: Int) throws {
        let s = try Self.forked(forkSeals: forkSeals)
        let key = try SecretBytes(copying: Array("the key of SM09, 0123456789".utf8))
        let request = SealRequest(role: .sm, host: try HostName("SM09"))
        // Read (and checked against what this user saw) before the swap, as the command line does.
        let opened = try Vault.open(atPath: s.path)
        #expect(s.seen.rollback(of: opened) == nil)
        try Self.put(s.fork, at: s.path)
        #expect(s.seen.rollback(of: try Vault.open(atPath: s.path)) != nil, "the fork is a roll-back for this user")
        do {
            _ = try opened.seal(key, request, credentials: s.credentials)
            Issue.record("sealed into the fork")
        } catch let error as KeyVaultError {
            #expect(error.code.category == .damaged, "\(error)")
            #expect(error.message.hasPrefix("the vault's history changed to another one while this command ran"), "\(error)")
        }
        #expect(try TestFiles.bytes(s.path) == s.fork, "nothing was written")
        // A write that reads the vault only under its lock (a re-key, a custodian change) is refused by what this user
        // saw, checked again there.
        do {
            _ = try Vault.seal(key, request, atPath: s.path, credentials: s.credentials)
            Issue.record("sealed into the fork")
        } catch let error as KeyVaultError {
            #expect(error.message.hasPrefix("the vault is not the copy this user last saw, nor a later one"), "\(error)")
        }
        #expect(try TestFiles.bytes(s.path) == s.fork)
        // Accepted on purpose, it is written.
        var accepting = s.credentials
        accepting.acceptRollback = true
        _ = try Vault.seal(key, request, atPath: s.path, credentials: accepting)
        #expect(try Vault.open(atPath: s.path).entries.contains { $0.host.value == "SM09" })
    }

    /// An acceptance (`--accept-rollback`, with the words the operator was shown) is recorded by the first write that
    /// finds the vault behind under its lock, in that write's own commit: a seal refused (one key for two computers)
    /// writes nothing at all; two writes with the same credentials record it once, before the first one's record.
    @Test func anAcceptedRollBackIsRecordedOnceInTheWriteItAllows() throws {
        let s = try Self.forked(forkSeals: 1)
        try Self.put(s.fork, at: s.path)
        let forkRecords = try Vault.open(atPath: s.path).header.extensions.log.records.count
        var accepting = s.credentials
        accepting.acceptRollback = true
        accepting.rollbackAcceptance = RollbackAcceptance(words: "the fork, on purpose", shown: try Vault.open(atPath: s.path))
        let key = { (text: String) in try SecretBytes(copying: Array("the key of \(text), 0123456789".utf8)) }
        let twice = [
            SealItem(key: try key("SM09"), request: SealRequest(role: .sm, host: try HostName("SM09"))),
            SealItem(key: try key("SM09"), request: SealRequest(role: .dw, host: try HostName("DW09"))),
        ]
        #expect(throws: KeyVaultError.self) { _ = try Vault.seal(twice, atPath: s.path, credentials: accepting) }
        #expect(try TestFiles.bytes(s.path) == s.fork, "nothing was written, not even the acceptance")
        _ = try Vault.seal(try key("SM09"), SealRequest(role: .sm, host: try HostName("SM09")), atPath: s.path, credentials: accepting)
        _ = try Vault.seal(try key("SM10"), SealRequest(role: .sm, host: try HostName("SM10")), atPath: s.path, credentials: accepting)
        let records = try Vault.open(atPath: s.path).unlock(with: s.credentials).auditLog().records
        #expect(records.count == forkRecords + 3, "\(records.map(\.action))")
        #expect(records.suffix(3).map(\.action) == [.acceptRollback, .seal, .seal], "\(records.map(\.action))")
        #expect(records.suffix(3).first?.outcome == "ok: roll-back accepted: the fork, on purpose")
    }

    /// The acceptance holds for the copy the operator was told about: another copy behind this user's record, put in
    /// its place before the write (here the older copy the fork grew from), is not written to, and no record moves.
    @Test func anAcceptanceIsNotForAnotherCopyPutInItsPlace() throws {
        let s = try Self.forked(forkSeals: 1)
        try Self.put(s.fork, at: s.path)
        var accepting = s.credentials
        accepting.acceptRollback = true
        accepting.rollbackAcceptance = RollbackAcceptance(words: "the fork, on purpose", shown: try Vault.open(atPath: s.path))
        try Self.put(s.older, at: s.path)
        let request = SealRequest(role: .sm, host: try HostName("SM09"))
        do {
            _ = try Vault.seal(try SecretBytes(copying: Array("the key of SM09, 0123456789".utf8)), request, atPath: s.path, credentials: accepting)
            Issue.record("sealed into a copy other than the one accepted")
        } catch let error as KeyVaultError {
            #expect(error.code.category == .damaged, "\(error)")
            #expect(error.message.hasPrefix("the vault is not the copy whose roll-back was accepted, nor a later one"), "\(error)")
        }
        #expect(try TestFiles.bytes(s.path) == s.older, "nothing was written")
        #expect(accepting.rollbackAcceptance?.isRecorded == false)
    }

    /// The second review: a custodian's check-in and an endorsement read the vault again for themselves, after the
    /// command's check, and wrote into a fork put in place meanwhile (the user's record following it). Here the fork
    /// is in place before the call: the check under the lock, from the credentials' record, refuses both.
    @Test func aCheckInAndAnEndorsementAreNotWrittenIntoAFork() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let alice = try CustodianIdentity.generate(), bob = try CustodianIdentity.generate()
        let path = "\(dir)/v.kv"
        let seen = SeenVaults(directory: "\(dir)/seen")
        // Neither slot endorsed: made from the public recipients alone (an endorsement is then still to write).
        try Vault.create(atPath: path, custodians: [.recipient(alice.recipient!), .recipient(bob.recipient!)], keyPins: seen)
        var credentials = Credentials(identities: [alice])
        credentials.keyPins = seen
        credentials.vouchForKey = true
        let older = try TestFiles.bytes(path)
        _ = try Vault.appendRecord(.drill, outcome: "ok: a record the fork lacks", atPath: path, credentials: credentials)
        try seen.remember(try Vault.open(atPath: path), path: path)
        // The older copy, written to by someone who had not seen the newer one.
        try Data(older).write(to: URL(fileURLWithPath: "\(dir)/other.kv"))
        var other = Credentials(identities: [bob])
        other.keyPins = SeenVaults(directory: "\(dir)/other-seen")
        other.vouchForKey = true
        _ = try Vault.appendRecord(.drill, outcome: "ok: another history", atPath: "\(dir)/other.kv", credentials: other)
        _ = try Vault.appendRecord(.drill, outcome: "ok: and on", atPath: "\(dir)/other.kv", credentials: other)
        let fork = try TestFiles.bytes("\(dir)/other.kv")
        try Self.put(fork, at: path)
        for (what, write) in [("check-in", { _ = try Vault.checkIn(atPath: path, credentials: credentials) }), ("endorsement", { _ = try Vault.endorse(atPath: path, credentials: credentials) })] {
            do {
                try write()
                Issue.record("\(what) written into the fork")
            } catch let error as KeyVaultError {
                #expect(error.message.hasPrefix("the vault is not the copy this user last saw, nor a later one"), "\(what): \(error)")
            }
            #expect(try TestFiles.bytes(path) == fork, "\(what)")
        }
        // And a record of this user's would not follow a write into it.
        #expect(seen.lastSighting(ofVaultID: try Vault.open(atPath: path).id)?.progress.records == 2)
    }

    @Test func anotherWritersAppendsMeanwhileAreNotARollBack() throws {
        let s = try Self.forked(forkSeals: 1)
        let opened = try Vault.open(atPath: s.path)
        // The same history, further on (another writer sharing nothing with this one).
        try KeyForgeryTests.seal(s.path, "SM02", s.credentials)
        _ = try opened.seal(
            try SecretBytes(copying: Array("the key of SM03, 0123456789".utf8)), SealRequest(role: .sm, host: try HostName("SM03")), credentials: s.credentials)
        #expect(try Vault.open(atPath: s.path).entries.count == 4)
    }
}
