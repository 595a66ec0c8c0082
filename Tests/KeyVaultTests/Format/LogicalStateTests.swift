// Format version 2 replays to version 1's logical vault: every golden version-1 vault converts to a version-2 file
// whose replay is its header byte for byte, and what the library's commands do to a vault is said by appends.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct LogicalStateTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let goldenVaults = [
        "v1/empty.kv", "v1/default-cost.kv", "v1/two-roles.kv", "v1-recovery/recovery.kv", "custodians/x25519.kv",
        "custodians/threshold-2-of-4.kv", "custodians/certificates.kv",
    ]

    /// `header`'s slot area as a version-2 slot copy.
    static func copy(of header: VaultHeader, seq: UInt64 = 1) -> SlotCopy {
        SlotCopy(seq: seq, identityBytes: header.identity.associatedBytes, threshold: header.threshold, slots: header.slots)
    }

    /// The version-1 vault at `path` written as a version-2 file (one commit, sealed keys copied byte for byte).
    static func upgraded(_ path: String, key: SecretBytes) throws -> (path: String, copy: SlotCopy) {
        let vault = try Vault.open(atPath: path)
        let copy = copy(of: vault.header)
        let keys = Array(try TestFiles.bytes(path).dropFirst(vault.header.size))
        let state = try LogicalState(v1: vault.header)
        let (bytes, keysOffset, _, _) = ChainWriter.newFile(copy: copy, changes: state.initialChanges, keysCount: keys.count, macKey: key)
        #expect(keysOffset == bytes.count)
        let out = "\(try CustodianSupport.temporaryDirectory())/v2.kv"
        try Data(bytes + keys).write(to: URL(fileURLWithPath: out))
        return (out, copy)
    }

    /// The version-1 header a version-2 file replays to, parsed by version 1's parser; the chain file; each entry's
    /// sealed key's offset.
    static func replayed(_ path: String) throws -> (VaultHeader, ChainFile, [Int]) {
        let chain = try ChainFile.read(from: OpenFile.open(path, what: "vault"))
        let copy = try #require(chain.copies[0])
        let header = try VaultHeader.parse(try LogicalState.replay(chain.commits, copy: copy).header(copy: copy), fileSize: nil)
        return (header, chain, try chain.keyOffsets(for: header))
    }

    @Test(arguments: goldenVaults)
    func aGoldenVersion1VaultReplaysToItsHeaderByteForByte(name: String) throws {
        let path = Self.fixtures.appendingPathComponent(name).path
        let v1 = try Vault.open(atPath: path)
        let key = try SecretBytes.random(count: 32)
        let (upgraded, copy) = try Self.upgraded(path, key: key)
        let (header, chain, offsets) = try Self.replayed(upgraded)
        #expect(header.bytes[..<header.checksumOffset] == v1.header.bytes[..<v1.header.checksumOffset])
        #expect(header.extensions == v1.header.extensions && header.entryCount == v1.header.entryCount)
        #expect(chain.copies == [copy, copy] && chain.commits.count == 1)
        #expect(CommitChain.firstBroken(chain.commits, key: key) == nil)
        // The sealed keys, byte for byte, where the commit says.
        let keys = Array(try TestFiles.bytes(path).dropFirst(v1.header.size))
        let file = try TestFiles.bytes(upgraded)
        if keys.isEmpty {
            #expect(chain.commits[0].keysOffset == 0)
        } else {
            let at = Int(chain.commits[0].keysOffset)
            #expect(Array(file[at...]) == keys)
        }
        #expect(offsets == v1.offsets.map { $0 - v1.header.size + Int(chain.commits[0].keysOffset) })
    }

    /// After each thing the library does to a version-1 vault, the change is appended to its version-2 twin: the twin
    /// then replays to the version-1 vault's new header, byte for byte.
    @Test func whatTheLibraryDoesToAVaultIsSaidByAppends() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        let credentials = Credentials(identities: [identity])
        let path = "\(dir)/v.kv"
        try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)], endorsers: [identity])
        let key = try SecretBytes.random(count: 32)
        let twin = try Self.upgraded(path, key: key).path
        var appended: [[Change]] = []
        let steps: [(String, () throws -> Void)] = [
            ("seal", { _ = try Vault.seal(try SecretBytes.random(count: 1300), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials) }),
            ("seal dw", { _ = try Vault.seal(try SecretBytes.random(count: 900), SealRequest(role: .dw, host: try HostName("DW01"), label: "dw"), atPath: path, credentials: credentials) }),
            ("inventory", { try Vault.setHost(InventoryHost(name: try HostName("SM01"), roles: [.sm], smPosition: .primary), atPath: path, credentials: credentials) }),
            ("management group", { try Vault.setManagementGroup("MG1", atPath: path, credentials: credentials) }),
            ("drill", { _ = try Vault.open(atPath: path).unlock(with: credentials).drill() }),
            ("seal again", { _ = try Vault.seal(try SecretBytes.random(count: 1300), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials) }),
            ("drill again", { _ = try Vault.open(atPath: path).unlock(with: credentials).drill() }),
            ("retire", { _ = try Vault.retire(role: .sm, host: try HostName("SM01"), version: 1, reason: "replaced", atPath: path, credentials: credentials) }),
            ("record", { try Vault.open(atPath: path).unlock(with: credentials).record(.restore, outcome: "ok: by hand") }),
        ]
        for (name, step) in steps {
            let before = try LogicalState(v1: try Vault.open(atPath: path).header)
            try step()
            let v1 = try Vault.open(atPath: path)
            let after = try LogicalState(v1: v1.header)
            let changes = try #require(before.changes(to: after), "\(name): not an append")
            appended.append(changes)
            // The new entries' sealed keys, from the version-1 file's ciphertext area, in index order.
            let newEntries = v1.header.entryCount - before.entryCount
            let keys = newEntries == 0 ? [] : Array(try TestFiles.bytes(path)[v1.offsets[before.entryCount]...])
            let plan = try ChainWriter.append(to: try ChainFile.read(from: OpenFile.open(twin, what: "vault")), changes: changes, keys: keys, macKey: key)
            let handle = try #require(FileHandle(forUpdatingAtPath: twin))
            try plan.execute(on: handle.fileDescriptor, path: twin)
            try handle.close()
            let (header, chain, offsets) = try Self.replayed(twin)
            #expect(header.bytes[..<header.checksumOffset] == v1.header.bytes[..<v1.header.checksumOffset], "\(name)")
            #expect(CommitChain.firstBroken(chain.commits, key: key) == nil)
            // Every entry's sealed key, at the offset replay gives, is the version-1 file's.
            let v1File = try TestFiles.bytes(path), v2File = try TestFiles.bytes(twin)
            for (i, location) in v1.header.locations.enumerated() {
                #expect(v2File[offsets[i]..<offsets[i] + location.ciphertextCount] == v1File[v1.offsets[i]..<v1.offsets[i] + location.ciphertextCount], "\(name), entry \(i + 1)")
            }
        }
        // A drill of an unchanged vault upserts each entry's result rather than rewriting the section.
        let drillAgain = appended[6]
        #expect(drillAgain.contains { $0.type == Change.Kind.itemsUpserted.rawValue && $0.body.first == 0x05 }, "\(drillAgain.map(\.type))")
        #expect(!drillAgain.contains { $0.type == Change.Kind.sectionReplaced.rawValue && $0.body.first == 0x05 })
    }

    /// A writer parses the header it was given as the one a reader will replay to when the two are byte for byte the
    /// same (nothing laid out again); any byte that differs, anywhere, says they are not.
    @Test(arguments: goldenVaults)
    func aHeaderAWriterGaveIsTheReplayedOneOnlyWhenEveryByteIs(name: String) throws {
        let header = try Vault.open(atPath: Self.fixtures.appendingPathComponent(name).path).header
        let other = try Vault.open(atPath: Self.fixtures.appendingPathComponent("v1/two-roles.kv").path).header
        let added = other.allRecords()
        let copy = Self.copy(of: header)
        for records in [[], added] {
            let bytes = header.appending(records, extensions: header.extensions, tagKey: try SecretBytes.random(count: 32), sealed: false)
            let state = try #require(try LogicalState(v1: bytes, extending: header))
            #expect(state.isLaidOut(as: bytes, copy: copy), "\(name), \(records.count) records added")
            #expect(try state.header(copy: copy, checksum: false) == bytes)
            // One byte changed in each part: preamble, identity, slots, records, sections, checksum, tag; one more or
            // one fewer byte at the end.
            let places = [0, 13, 30, 45, header.entryCountOffset + 5, bytes.count - 70, bytes.count - 40, bytes.count - 1]
            for at in places where at < bytes.count {
                var changed = bytes
                changed[at] ^= 0x01
                #expect(!state.isLaidOut(as: changed, copy: copy), "\(name): byte \(at) of \(bytes.count) changed")
            }
            #expect(!state.isLaidOut(as: bytes + [0], copy: copy) && !state.isLaidOut(as: Array(bytes.dropLast()), copy: copy))
            #expect(state.isLaidOut(as: bytes, copy: Self.copy(of: header, seq: 2)), "a slot copy's sequence number is not in the header")
            let stranger = try Vault.open(atPath: Self.fixtures.appendingPathComponent(name == "v1/empty.kv" ? "v1/two-roles.kv" : "v1/empty.kv").path)
            #expect(!state.isLaidOut(as: bytes, copy: Self.copy(of: stranger.header)), "another vault's identity and slots")
        }
    }

    @Test func theAuditLogKeepsItsCapAcrossAppends() throws {
        var state = LogicalState()
        state.logItems = LogItems((0..<FormatV1.maxLogRecords).map { n in [0, 35, 9, 0, 32] + (0..<32).map { UInt8(truncatingIfNeeded: n + $0) } })
        let more = (0..<3).map { n in [0, 35, 9, 0, 32] + [UInt8](repeating: UInt8(n), count: 32) }
        try state.apply(Change(type: 6, body: LogicalState.itemList(more)), commit: 2)
        state.trimLog()
        #expect(state.logItems.count == FormatV1.maxLogRecords && state.dropped == 3)
        #expect(state.anchor == (0..<32).map { UInt8(truncatingIfNeeded: 2 + $0) })
        #expect(Array(state.logItems.items.suffix(3)) == more)
    }

    /// Over many commits the cap is applied as if after each one, and a long replay stays linear.
    @Test func aLongReplayDropsTheOldestRecordsAsVersion1Would() throws {
        func item(_ n: Int) -> [UInt8] { [0, 35, 9, 0, 32] + (0..<32).map { UInt8(truncatingIfNeeded: n >> ($0 % 3 * 8)) } }
        let copy = try ChainFileTests.slotCopy()
        let commits = (0..<1_400).map { c in
            Commit(
                offset: 0, number: UInt64(c + 1), keysOffset: 0,
                changes: (c == 0 ? [ChainWriter.base(copy)] : []) + [Change(type: 6, body: LogicalState.itemList((0..<100).map { item(c * 100 + $0) }))],
                check: [], mac: [], count: 0)
        }
        let state = try LogicalState.replay(commits, copy: copy)
        // A history made under other slots (another generation, or another vault's) is not read under these.
        #expect(throws: KeyVaultError.self) { try LogicalState.replay(commits, copy: try ChainFileTests.slotCopy(seq: 2)) }
        let dropped = 140_000 - FormatV1.maxLogRecords
        #expect(state.logItems.count == FormatV1.maxLogRecords && state.dropped == UInt64(dropped))
        #expect(state.anchor == Array(item(dropped - 1).suffix(32)) && state.logItems.items.first == item(dropped))
    }

    /// Values from the file that would overflow arithmetic are damage, never a trap.
    @Test func valuesThatWouldOverflowAreRefused() throws {
        var state = LogicalState()
        var base = ByteWriter()
        base.u64(.max)
        base.append([UInt8](repeating: 0, count: 32))
        #expect(throws: KeyVaultError.self) { try state.apply(Change(type: 2, body: base.bytes), commit: 1) }
        // A per-entry item whose host field is longer than 255 bytes.
        let host = [UInt8](repeating: 0x61, count: 300)
        var fields = ByteWriter()
        fields.append([1, 0, 2, 0x73, 0x6D, 2, 0x01, 0x2C] + host + [3, 0, 4, 0, 0, 0, 1])
        let item = [UInt8(fields.bytes.count >> 8), UInt8(fields.bytes.count & 0xFF)] + fields.bytes
        try state.apply(Change(type: 5, body: [4] + LogicalState.itemList([item])), commit: 2)
        state.finish()
        #expect(state.sections[4] == LogicalState.itemList([item]))
        // More sections than a header holds.
        for type in (1...0x40 as ClosedRange<UInt8>) where type != 6 { try state.apply(Change(type: 4, body: [type, 1]), commit: 2) }
        #expect(throws: KeyVaultError.self) { try state.header(copy: try ChainFileTests.slotCopy()) }
        // Version 1 too: an audit log that says it dropped more records than any vault can have written.
        var log = ByteWriter()
        log.u64(FormatV1.maxDroppedLogRecords + 1)
        log.append([UInt8](repeating: 0, count: 32))
        log.u32(0)
        var r = ByteReader(log.bytes[...])
        #expect(throws: KeyVaultError.self) { try AuditLog.parse(&r) }
    }

    @Test func changesAppendsCannotSayAreRefused() throws {
        /// An index record's shape: `meta_len u16 ‖ meta ‖ nonce[24]`.
        func record(_ n: UInt8) -> [UInt8] { [0, 1, n] + [UInt8](repeating: 0, count: 24) }
        var old = LogicalState()
        old.records = RecordRuns((record(1) + record(2))[...])
        old.entryCount = 2
        old.logItems = [[0, 1, 7]]
        var removed = old
        removed.records = RecordRuns(record(1)[...])
        removed.entryCount = 1
        #expect(old.changes(to: removed) == nil)
        var rewritten = old
        rewritten.logItems = [[0, 1, 8]]
        #expect(old.changes(to: rewritten) == nil)
        var grown = old
        grown.records += record(3)
        grown.entryCount = 3
        grown.logItems.append([0, 1, 9])
        grown.sections[0x01] = Array("MG".utf8)
        #expect(old.changes(to: grown) == [Change(type: 3, body: record(3)), Change(type: 4, body: [1] + Array("MG".utf8)), Change(type: 6, body: [0, 0, 0, 1, 0, 1, 9])])
        var gone = grown
        gone.sections = [:]
        #expect(grown.changes(to: gone) == [Change(type: 4, body: [1])])
    }

    /// `keys_offset` is outside the commit's check (so a copy to a database keeps its chain): a file writer can point
    /// it anywhere, and every such range is refused before a key is read.
    @Test func sealedKeysPointedElsewhereAreRefused() throws {
        let key = try SecretBytes.random(count: 32)
        let (twin, _) = try Self.upgraded(Self.fixtures.appendingPathComponent("v1/empty.kv").path, key: key)
        // Two entries of another vault (their keys are not what they say, but only where the keys lie matters here).
        let records = try Vault.open(atPath: Self.fixtures.appendingPathComponent("v1/two-roles.kv").path).header.allRecords()
        for record in [records[0], records[2]] {
            let entry = [UInt8(record.metadata.count >> 8), UInt8(record.metadata.count & 0xFF)] + record.metadata + record.nonce
            let plan = try ChainWriter.append(
                to: try ChainFile.read(from: OpenFile.open(twin, what: "vault")), changes: [Change(type: 3, body: entry)],
                keys: [UInt8](repeating: 1, count: Int(record.entry.size) + 16), macKey: key)
            let handle = try #require(FileHandle(forUpdatingAtPath: twin))
            try plan.execute(on: handle.fileDescriptor, path: twin)
            try handle.close()
        }
        let chain = try ChainFile.read(from: OpenFile.open(twin, what: "vault"))
        let last = chain.commits[2], first = chain.commits[1]
        #expect(try Self.replayed(twin).2.count == 2, "the file as written")
        for (name, offset, message) in [
            ("into the slot copies", UInt64(FormatV2.blockSize), "vault damaged: sealed keys overlap each other or the vault's metadata at byte \(FormatV2.blockSize)"),
            ("onto the first commit's keys", first.keysOffset, "vault damaged: sealed keys overlap each other or the vault's metadata at byte \(first.keysOffset)"),
            ("past the end", UInt64(chain.fileSize - 10), "vault damaged or truncated: the sealed key of entry 2 lies outside the file"),
            ("nowhere", 0, "vault damaged or truncated: the sealed key of entry 2 lies outside the file"),
        ] {
            let forged = "\(try CustodianSupport.temporaryDirectory())/forged.kv"
            var bytes = try TestFiles.bytes(twin)
            for i in 0..<8 { bytes[last.offset + 16 + i] = UInt8((offset >> UInt64(56 - 8 * i)) & 0xFF) }
            try Data(bytes).write(to: URL(fileURLWithPath: forged))
            let chain = try ChainFile.read(from: OpenFile.open(forged, what: "vault"))
            #expect(chain.commits.count == 3, "\(name): the check does not cover keys_offset")
            let header = try VaultHeader.parse(try LogicalState.replay(chain.commits, copy: chain.copies[0]!).header(copy: chain.copies[0]!), fileSize: nil)
            #expect(throws: KeyVaultError.self, "\(name)") { try chain.keyOffsets(for: header) }
            do { _ = try chain.keyOffsets(for: header) } catch let error as KeyVaultError { #expect(error.message == message, "\(name)") }
        }
        // An entries change without records that points to keys (no writer makes one; it once hid an overlap, as an
        // empty range between two that overlap): refused.
        let plan = try ChainWriter.append(
            to: try ChainFile.read(from: OpenFile.open(twin, what: "vault")), changes: [Change(type: 3, body: [])],
            keys: [UInt8](repeating: 1, count: 64), macKey: key)
        let handle = try #require(FileHandle(forUpdatingAtPath: twin))
        try plan.execute(on: handle.fileDescriptor, path: twin)
        try handle.close()
        let emptied = try ChainFile.read(from: OpenFile.open(twin, what: "vault"))
        let header = try VaultHeader.parse(try LogicalState.replay(emptied.commits, copy: emptied.copies[0]!).header(copy: emptied.copies[0]!), fileSize: nil)
        let pointing = emptied.commits[3]
        do {
            _ = try emptied.keyOffsets(for: header)
            Issue.record("an empty entries change pointing to keys was not refused")
        } catch let error as KeyVaultError {
            #expect(error.message == "vault damaged: the commit at byte \(pointing.offset) adds no keys but points to keys at byte \(pointing.keysOffset)")
        }
    }
}
