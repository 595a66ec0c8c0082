// Every library write to a format-version-2 vault: an append that leaves every earlier byte as it was (only zeros
// are written over), or — for new slots, a re-key, an upgrade, a compaction — a new version-2 file verified before
// it replaces the vault. Each result is read back as a reader would and checked key by key.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct Version2WritingTests {
    /// The version-1 vault of ``Version2ReadingTests/vault()``, upgraded in place by the library.
    static func upgraded() throws -> (path: String, credentials: Credentials, keys: [[UInt8]]) {
        let (path, credentials, keys) = try Version2ReadingTests.vault()
        #expect(try Vault.upgradeToVersion2(atPath: path, credentials: credentials))
        return (path, credentials, keys)
    }

    /// Every byte of `before` is in `after` where it was, or was zero there: `after` only appended and filled zeros.
    static func onlyAppended(_ before: [UInt8], _ after: [UInt8]) -> Bool {
        after.count >= before.count && zip(before, after).allSatisfy { $0 == $1 || $0 == 0 }
    }

    /// A request for a computer the inventory may not list.
    static func request(_ role: Role, _ host: String) throws -> SealRequest {
        var request = SealRequest(role: role, host: try HostName(host))
        request.allowOutsideInventory = true
        return request
    }

    static func keys(of path: String, credentials: Credentials) throws -> [[UInt8]] {
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        #expect(unlocked.isAuthentic)
        #expect(unlocked.verify().isIntact)
        return try unlocked.vault.entries.map { try unlocked.open($0).withUnsafeBytes { Array($0) } }
    }

    @Test func anUpgradeKeepsEverythingAndSaysSo() throws {
        let (path, credentials, keys) = try Version2ReadingTests.vault()
        let v1 = try Vault.open(atPath: path)
        let v1Log = try v1.unlock(with: credentials).vault.header.extensions.log.records
        #expect(try Vault.upgradeToVersion2(atPath: path, credentials: credentials))
        let v2 = try Vault.open(atPath: path)
        #expect(v2.formatVersion == 2 && v2.id == v1.id && v2.entries == v1.entries && v2.custodians == v1.custodians)
        #expect(v2.slotCopy?.seq == 1 && v2.chain?.commits.count == 1)
        #expect(try Self.keys(of: path, credentials: credentials) == keys)
        // The audit log goes on from version 1's, chained, with the upgrade as its last record.
        let log = try v2.unlock(with: credentials).vault.header.extensions.log
        #expect(Array(log.records.dropLast()) == v1Log)
        #expect(log.records.last?.action == .upgrade && log.records.last?.outcome.hasPrefix("ok: converted from format version 1 to 2") == true)
        #expect(!FileManager.default.fileExists(atPath: path + ".v1"), "the version-1 link goes once the new file is in place")
        // A second upgrade has nothing to do, and writes nothing.
        let bytes = try TestFiles.bytes(path)
        #expect(try !Vault.upgradeToVersion2(atPath: path, credentials: credentials))
        #expect(try TestFiles.bytes(path) == bytes)
    }

    @Test func anUpgradeRefusesAnotherFileWhereItKeepsTheOldOne() throws {
        let (path, credentials, _) = try Version2ReadingTests.vault()
        try Data("mine".utf8).write(to: URL(fileURLWithPath: path + ".v1"))
        let before = try TestFiles.bytes(path)
        #expect {
            try Vault.upgradeToVersion2(atPath: path, credentials: credentials)
        } throws: { error in
            (error as? KeyVaultError)?.code == .fileConflict
                && (error as? KeyVaultError)?.message == "\(path).v1 exists and is not this vault; move it away and run the upgrade again; nothing was written"
        }
        #expect(try TestFiles.bytes(path) == before)
        #expect(try TestFiles.text(path + ".v1") == "mine")
        // A link to this very vault (left by a run that crashed) is accepted, and stays: this run did not make it.
        try FileManager.default.removeItem(atPath: path + ".v1")
        try FileManager.default.linkItem(atPath: path, toPath: path + ".v1")
        #expect(try Vault.upgradeToVersion2(atPath: path, credentials: credentials))
        #expect(try TestFiles.bytes(path + ".v1") == before)
        #expect(try Vault.open(atPath: path).formatVersion == 2)
    }

    @Test func aDamagedVersion1VaultIsNotUpgraded() throws {
        let (path, credentials, _) = try Version2ReadingTests.vault()
        var bytes = try TestFiles.bytes(path)
        bytes[bytes.count - 10] ^= 1  // inside the last sealed key
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try Vault.upgradeToVersion2(atPath: path, credentials: credentials)
        } throws: { error in
            (error as? KeyVaultError)?.message == "vault damaged: 1 entries do not open; it was not upgraded ('keyvault verify' shows which)"
        }
        #expect(try TestFiles.bytes(path) == bytes)
        #expect(!FileManager.default.fileExists(atPath: path + ".v1"))
    }

    @Test func sealsRestoresDrillsAndInventoryAreAppends() throws {
        let (path, credentials, keys) = try Self.upgraded()
        var before = try TestFiles.bytes(path)
        var commits = try #require(try Vault.open(atPath: path).chain?.commits.count)

        // A seal: the key and its index record appended, nothing earlier rewritten.
        let key = (0..<4_096).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        _ = try Vault.seal(try SecretBytes(copying: key), Self.request(.ssp, "SSP01"), atPath: path, credentials: credentials)
        var after = try TestFiles.bytes(path)
        #expect(Self.onlyAppended(before, after))
        #expect(try Vault.open(atPath: path).chain?.commits.count == commits + 1)
        #expect(try Self.keys(of: path, credentials: credentials) == keys + [key])

        // A restore records itself as an append.
        (before, commits) = (after, commits + 1)
        let restored = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .ssp, on: HostIdentity(testingName: try HostName("SSP01")))
        #expect(restored.recordProblem == nil)
        #expect(restored.key.withUnsafeBytes { Array($0) } == key)
        after = try TestFiles.bytes(path)
        #expect(Self.onlyAppended(before, after))
        let vault = try Vault.open(atPath: path)
        #expect(vault.chain?.commits.count == commits + 1)
        #expect(try vault.unlock(with: credentials).vault.header.extensions.log.records.last?.action == .restore)

        // A drill (a result per entry, upserted) and an inventory change.
        before = after
        _ = try vault.unlock(with: credentials).drill()
        try Vault.setHost(InventoryHost(name: try HostName("SSP01"), roles: [.ssp]), atPath: path, credentials: credentials)
        after = try TestFiles.bytes(path)
        #expect(Self.onlyAppended(before, after))
        let final = try Vault.open(atPath: path)
        #expect(final.chain?.commits.count == commits + 3)
        #expect(final.lastDrills().count == 4)
        #expect(try Self.keys(of: path, credentials: credentials) == keys + [key])
    }

    @Test func manyAppendsOpenNewChunksAndACompactionWritesThemAsOne() throws {
        let (path, credentials, keys) = try Self.upgraded()
        var all = keys
        // Enough commits (each with a 4 KiB key and ~1 KiB of metadata) to outgrow the first chunk.
        for n in 0..<40 {
            let key = (0..<4_096).map { UInt8(truncatingIfNeeded: $0 &+ n) }
            _ = try Vault.seal(try SecretBytes(copying: key), Self.request(.sm, "SM\(100 + n)"), atPath: path, credentials: credentials)
            all.append(key)
        }
        let grown = try Vault.open(atPath: path)
        #expect((grown.chain?.chunks.count ?? 0) > 1, "40 commits should fill the first 16 KiB chunk")
        #expect(try Self.keys(of: path, credentials: credentials) == all)

        let result = try #require(try Vault.compact(atPath: path, credentials: credentials))
        #expect(result.commitsBefore == 41)
        let compacted = try Vault.open(atPath: path)
        #expect(compacted.chain?.commits.count == 1 && compacted.chain?.chunks.count == 1 && compacted.slotCopy?.seq == 2)
        #expect(result.bytesAfter == (try TestFiles.bytes(path)).count)
        #expect(compacted.entries == grown.entries)
        #expect(try Self.keys(of: path, credentials: credentials) == all)
        let last = try compacted.unlock(with: credentials).vault.header.extensions.log.records.last
        #expect(last?.action == .compact && last?.outcome == "ok: 41 commits (\(result.bytesBefore) bytes) written again as one")
        // And appends go on after it.
        _ = try Vault.seal(try SecretBytes(copying: [9, 9, 9]), Self.request(.dw, "DW02"), atPath: path, credentials: credentials)
        #expect(try Self.keys(of: path, credentials: credentials) == all + [[9, 9, 9]])
    }

    @Test func aVersion1VaultHasNothingToCompact() throws {
        let (path, credentials, _) = try Version2ReadingTests.vault()
        let before = try TestFiles.bytes(path)
        #expect(try Vault.compact(atPath: path, credentials: credentials) == nil)
        #expect(try TestFiles.bytes(path) == before)
    }

    @Test func aRekeyAndACustodianChangeRewriteAsVersion2() throws {
        let (path, credentials, keys) = try Self.upgraded()
        let before = try Vault.open(atPath: path)
        try Vault.rekey(atPath: path, credentials: credentials)
        let after = try Vault.open(atPath: path)
        #expect(after.formatVersion == 2 && after.slotCopy?.seq == 2 && after.chain?.commits.count == 1)
        #expect(after.header.slots != before.header.slots)
        #expect(try Self.keys(of: path, credentials: credentials) == keys)
        let bob = try CustodianIdentity.generate()
        try Vault.addCustodians([.recipient(bob.recipient!)], atPath: path, credentials: credentials)
        #expect(try Vault.open(atPath: path).slotCopy?.seq == 3)
        #expect(try Self.keys(of: path, credentials: Credentials(identities: [bob])) == keys)
    }

    /// One damaged slot copy, or a damaged preamble, is written again from the good copy by the next write.
    @Test(arguments: [0, 1, 2]) func theNextWriteRepairsADamagedSlotCopy(which: Int) throws {
        let (path, credentials, keys) = try Self.upgraded()
        let good = try TestFiles.bytes(path)
        let chain = try #require(try Vault.open(atPath: path).chain)
        var bytes = good
        let at = which == 2 ? 3 : FormatV2.blockSize + which * chain.slotCopySize + 100
        bytes[at] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let damaged = try Vault.open(atPath: path)
        #expect(damaged.chain?.copies.compactMap { $0 }.count == (which == 2 ? 2 : 1))
        try Vault.setHost(InventoryHost(name: try HostName("DW01"), roles: [.dw]), atPath: path, credentials: credentials)
        let repaired = try TestFiles.bytes(path)
        #expect(repaired[0..<(FormatV2.blockSize + 2 * chain.slotCopySize)] == good[0..<(FormatV2.blockSize + 2 * chain.slotCopySize)])
        #expect(try Vault.open(atPath: path).chain?.copies.compactMap { $0 }.count == 2)
        #expect(try Self.keys(of: path, credentials: credentials) == keys)
    }

    /// A lone custodian's check-in waits beside a version-2 vault as beside a version-1 one, and the next write
    /// takes it in as an append.
    @Test func aLoneCheckInIsTakenInByTheNextAppend() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let ids = try (0..<3).map { _ in try CustodianIdentity.generate() }
        let path = "\(dir)/t.kv"
        try Vault.create(atPath: path, custodians: ids.map { .recipient($0.recipient!) }, threshold: 2, endorsers: ids)
        let two = Credentials(identities: Array(ids.prefix(2)))
        #expect(try Vault.upgradeToVersion2(atPath: path, credentials: two))
        var alice = Credentials(identities: [ids[2]])
        alice.vouchForKey = true
        _ = try Vault.checkIn(atPath: path, credentials: alice)
        #expect(FileManager.default.fileExists(atPath: path + ".checkins"))
        let before = try TestFiles.bytes(path)
        try Vault.setHost(InventoryHost(name: try HostName("SM01"), roles: [.sm], smPosition: .primary), atPath: path, credentials: two)
        #expect(Self.onlyAppended(before, try TestFiles.bytes(path)))
        #expect(!FileManager.default.fileExists(atPath: path + ".checkins"))
        let vault = try Vault.open(atPath: path)
        #expect(vault.header.extensions.checkIns.count == 1)
        #expect(try vault.unlock(with: two).isAuthentic)
    }

    /// Writes from one `UnlockedVault` kept open, and writers racing each other: each append is planned from the file
    /// as it is under the lock, never from an earlier read (an append from an older read would write over a commit
    /// acknowledged meanwhile).
    @Test func appendsAreAlwaysPlannedFromTheFileUnderTheLock() throws {
        let (path, credentials, keys) = try Self.upgraded()
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        let commits = try #require(unlocked.vault.chain?.commits.count)
        let host = HostIdentity(testingName: try HostName("SM01"))
        for _ in 0..<3 { #expect(try unlocked.restore(role: .sm, on: host).recordProblem == nil) }
        let after = try Vault.open(atPath: path)
        #expect(after.chain?.commits.count == commits + 3)
        #expect(try after.unlock(with: credentials).vault.header.extensions.log.records.suffix(3).allSatisfy { $0.action == .restore })

        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { t in
            do {
                if t % 2 == 0 {
                    let key = try SecretBytes(copying: Array("key \(t)".utf8))
                    _ = try Vault.seal(key, Self.request(.dw, "DW1\(t)"), atPath: path, credentials: credentials)
                } else {
                    let problem = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .sm, on: host).recordProblem
                    if let problem { failures.withLock { $0.append("restore \(t): \(problem)") } }
                }
            } catch {
                failures.withLock { $0.append("writer \(t): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let final = try Vault.open(atPath: path)
        #expect(final.chain?.commits.count == commits + 9)
        #expect(try Self.keys(of: path, credentials: credentials).count == keys.count + 3)
        let log = try final.unlock(with: credentials).vault.header.extensions.log.records
        #expect(log.suffix(6).filter { $0.action == .restore }.count == 3 && log.suffix(6).filter { $0.action == .seal }.count == 3)
    }

    /// A preamble damaged into another version (its magic intact) does not hide a version-2 vault: its slot copy
    /// finds it, and the next write puts the preamble right.
    @Test func aPreambleDamagedIntoAnotherVersionIsSurvived() throws {
        let (path, credentials, keys) = try Self.upgraded()
        var bytes = try TestFiles.bytes(path)
        bytes[9] = 0x01  // "version 1"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let vault = try Vault.open(atPath: path)
        #expect(vault.formatVersion == 2 && vault.storageProblems == ["the preamble (the file's first 4096 bytes) is damaged"])
        #expect(try Self.keys(of: path, credentials: credentials) == keys)
        #expect(try Vault.repairStorage(atPath: path, credentials: credentials) == ["the preamble (the file's first 4096 bytes) is damaged"])
        #expect(try Vault.open(atPath: path).storageProblems.isEmpty)
        #expect(try TestFiles.bytes(path)[9] == 0x02)
    }

    /// A reader of a version-2 vault holds the writers' lock shared while it reads (an append changes the file in
    /// place): it waits for a writer that holds the lock, and reads without it when a writer keeps it for long.
    @Test func readersWaitForTheWritersLock() throws {
        let (path, _, _) = try Self.upgraded()
        nonisolated(unsafe) var held: VaultLock? = try VaultLock.acquire(path)
        let released = Mutex(false)
        let writer = Thread {
            Thread.sleep(forTimeInterval: 0.4)
            released.withLock { $0 = true }
            held = nil
        }
        writer.start()
        let vault = try Vault.open(atPath: path)
        #expect(released.withLock { $0 }, "the reader read while a writer held the lock")
        #expect(vault.formatVersion == 2)
        // A writer that keeps the lock (a long rewrite, which never writes in place) does not stop readers.
        let kept = try VaultLock.acquire(path)
        #expect(try Vault.open(atPath: path).formatVersion == 2)
        withExtendedLifetime(kept) {}
    }

    /// The last commit cut off in place (zeroed, as a file writer or an older copy written over the same file could)
    /// while a writer holds an earlier read: the writer notices the history went back and writes nothing, instead of
    /// appending after the zeros (which every reader would refuse). Found by a review of the shortcut that skips
    /// reading the file again when nothing was appended.
    @Test func aHistoryCutInPlaceIsNotAppendedTo() throws {
        let (path, credentials, _) = try Self.upgraded()
        _ = try Vault.seal(try SecretBytes(copying: [1, 2, 3]), Self.request(.dw, "DW05"), atPath: path, credentials: credentials)
        let early = try Vault.open(atPath: path).unlock(with: credentials)
        let last = try #require(early.vault.chain?.commits.last)
        var bytes = try TestFiles.bytes(path)
        for i in last.offset..<last.end { bytes[i] = 0 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
        let restored = try early.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")))
        #expect(restored.recordProblem?.contains("the vault went back in its history while this command ran") == true, "\(String(describing: restored.recordProblem))")
        #expect(try TestFiles.bytes(path) == bytes, "nothing was written")
    }
}
