// Format version 2 through the command line: a golden version-1 vault copied and converted with `upgrade --format 2`
// reads as it did, takes seals and restore records as appends, compacts, and refuses bad requests in one line.
import Foundation
import KeyVaultTestSupport
import Testing

struct Version2CLITests {
    static let golden = "\(TrustCLITests.root)/Fixtures/custodians"
    /// Fixtures/custodians/x25519.kv written as version 2 by the format code (Tests/FuzzSeeds/README.md).
    static let seed = "\(TrustCLITests.root)/Tests/FuzzSeeds/v2-x25519.kv"

    /// Every byte of `before` is in `after` where it was, or was zero there.
    static func onlyAppended(_ before: [UInt8], _ after: [UInt8]) -> Bool {
        after.count >= before.count && zip(before, after).allSatisfy { $0 == $1 || $0 == 0 }
    }

    @Test(.namedHosts) func aVersion2FileReadsAndTakesWritesAsAppends() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: Self.seed, toPath: ws.file("v2.kv"))
        let id = ["--identity", "\(Self.golden)/alice.id"]

        var r = try CLI.run(["list", ws.file("v2.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("SM01") && !r.stdout.contains("NOT AUTHENTICATED"), "\(r)")
        r = try CLI.run(["verify", ws.file("v2.kv")] + id)
        #expect(r.status == 0, "\(r)")

        // A restore gives the key back and records itself: an append.
        var before = try ws.read("v2.kv")
        r = try CLI.run(["restore", ws.file("v2.kv"), "--role", "sm", "--out", ws.file("sm.bin"), "--endorse"] + id, host: "SM01")
        #expect(r.status == 0 && !r.stderr.contains("could not"), "\(r)")
        #expect(try ws.read("sm.bin") == TestFiles.bytes("\(Self.golden)/keys/sm01.bin"))
        var after = try ws.read("v2.kv")
        #expect(after != before && Self.onlyAppended(before, after))

        before = after
        let dw = try ws.key("dw.bin")
        r = try CLI.run(["seal", ws.file("v2.kv"), "--role", "dw", "--host", "DW02", "--key", ws.file("dw.bin"), "--not-in-inventory", "--endorse"] + id)
        #expect(r.status == 0, "\(r)")
        after = try ws.read("v2.kv")
        #expect(Self.onlyAppended(before, after))
        r = try CLI.run(["restore", ws.file("v2.kv"), "--role", "dw", "--out", ws.file("dw-back.bin")] + id, host: "DW02")
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("dw-back.bin") == dw)
        r = try CLI.run(["log", ws.file("v2.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("restore") && r.stdout.contains("sealed version 1"), "\(r)")
    }

    @Test(.namedHosts) func upgradeThenCompact() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: "\(Self.golden)/x25519.kv", toPath: ws.file("v.kv"))
        let id = ["--identity", "\(Self.golden)/alice.id"]
        let listed = try CLI.run(["list", ws.file("v.kv"), "--json"] + id)

        var r = try CLI.run(["upgrade", ws.file("v.kv"), "--format", "2", "--endorse"] + id)
        #expect(r.status == 0 && r.stdout.contains("converted to format version 2"), "\(r)")
        #expect(r.stdout.contains("; \(ws.file("v.kv")).v1, the version-1 file kept while converting, was removed once the new one verified"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("v.kv.v1")))
        r = try CLI.run(["info", ws.file("v.kv"), "--json"])
        #expect(r.status == 0 && r.stdout.contains("\"formatVersion\":2"), "\(r)")
        #expect(r.stdout.contains("\"storage\":{\"commits\":2,\"chunks\":1,\"generation\":1,\"metadataBytes\":16384,"), "\(r)")
        r = try CLI.run(["info", ws.file("v.kv")])
        #expect(r.stdout.contains("storage:   2 commits in 1 chunk, slot area generation 1, metadata 16 KiB of 256 MiB (under 1%)"), "\(r)")
        // The same entries as before, listed the same way (but for the format version).
        let relisted = try CLI.run(["list", ws.file("v.kv"), "--json"] + id).stdout
        #expect(relisted.replacingOccurrences(of: "\"formatVersion\":2", with: "\"formatVersion\":1") == listed.stdout)
        r = try CLI.run(["upgrade", ws.file("v.kv"), "--format", "2"] + id)
        #expect(r.status == 0 && r.stdout.contains("already format version 2; nothing to do"), "\(r)")

        for n in 1...3 {
            _ = try ws.key("k\(n).bin")
            r = try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM0\(n + 1)", "--key", ws.file("k\(n).bin"), "--not-in-inventory"] + id)
            #expect(r.status == 0, "\(r)")
        }
        r = try CLI.run(["compact", ws.file("v.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("compacted 5 commits into one") && r.stdout.contains("every entry verified"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("4 of 4 entries intact"), "\(r)")
    }

    @Test(.namedHosts) func initMakesAVersion2VaultThatTakesSealsAndRestores() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        var r = try CLI.run(["keygen", "--out", ws.file("id")])
        #expect(r.status == 0, "\(r)")
        r = try CLI.run(["init", ws.file("v.kv"), "--identity", ws.file("id"), "--format", "2"])
        #expect(r.status == 0, "\(r)")
        r = try CLI.run(["info", ws.file("v.kv"), "--json"])
        #expect(r.stdout.contains("\"formatVersion\":2"), "\(r)")
        let key = try ws.key("sm.bin")
        r = try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", ws.file("id")])
        #expect(r.status == 0, "\(r)")
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("back.bin"), "--identity", ws.file("id")], host: "SM01")
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("back.bin") == key)
        r = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("id")])
        #expect(r.status == 0 && r.stdout.contains("1 of 1 entries intact"), "\(r)")
        r = try CLI.run(["init", ws.file("w.kv"), "--identity", ws.file("id"), "--format", "3"])
        #expect(r.status == 2 && r.error.contains("--format takes 1 or 2") && !FileManager.default.fileExists(atPath: ws.file("w.kv")), "\(r)")
    }

    /// One bit flipped in the last commit's audit record (its structure whole, its check not): a restore refuses the
    /// vault as damaged (exit 5); `restore --salvage` says what is damaged, restores each key from its own seal, and
    /// writes nothing to the vault (its audit record is not added, and it says so).
    @Test(.namedHosts) func restoreSalvageReadsPastACommitThatFailsItsCheck() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let id = ["--identity", ws.file("id")]
        #expect(try CLI.run(["keygen", "--out", ws.file("id")]).status == 0)
        #expect(try CLI.run(["init", ws.file("v.kv"), "--format", "2"] + id).status == 0)
        let sm = try ws.key("sm.bin"), dw = try ws.key("dw.bin")
        #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + id).status == 0)
        #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + id).status == 0)
        var bytes = try ws.read("v.kv")
        // The dw seal's audit record (the last to say "ok: sealed version") becomes "nk: …", in the commit before it.
        let text = Array("ok: sealed version".utf8)
        let at = try #require((0...(bytes.count - text.count)).last { Array(bytes[$0..<($0 + text.count)]) == text })
        let magic = Array("KVC2".utf8)
        let last = try #require((0..<at).last { Array(bytes[$0..<($0 + 4)]) == magic })
        bytes[at] ^= 0x01
        _ = try ws.write(bytes, to: "v.kv")

        var r = try CLI.run(["restore", ws.file("v.kv"), "--role", "dw", "--out", ws.file("dw-back.bin")] + id, host: "DW01")
        #expect(
            r.status == 5
                && r.error
                    == "vault damaged: the commit at byte \(last) is damaged: its check does not match; 'keyvault restore --salvage' may still restore the key from its own seal, if that is intact",
            "\(r)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("dw-back.bin")))
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "dw", "--out", ws.file("dw-back.bin"), "--salvage"] + id, host: "DW01")
        #expect(try r.status == 0 && ws.read("dw-back.bin") == dw, "\(r)")
        #expect(
            r.stderr.contains(
                "warning: the vault is damaged (the commit at byte \(last) fails its check); --salvage reads it all the same: a key is restored only if its own seal opens, and nothing is written to the vault"
            ), "\(r)")
        #expect(r.stderr.contains("this restore could not be recorded in the vault's audit log"), "\(r)")
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("sm-back.bin"), "--salvage"] + id, host: "SM01")
        #expect(try r.status == 0 && ws.read("sm-back.bin") == sm, "\(r)")
        #expect(try ws.read("v.kv") == bytes, "the damaged vault was written to")
    }

    /// The sm seal's commit head overwritten (its structure gone, as a bad sector leaves it): a restore refuses the
    /// vault (exit 5); `restore --salvage` passes over that commit, says where it read on, restores the dw key sealed
    /// after it on DW01, refuses the sm key as not found (exit 6), and writes nothing; `verify` reads it the same way,
    /// names the damage and checks the entry it found (exit 5).
    /// v.kv in `ws`: a version-2 vault of SM01's sm key and then DW01's dw key (identity `id`), whose second commit
    /// (SM01's seal) lost its head; its bytes, its three commits' offsets, and the dw key.
    private func vaultWithItsSecondCommitLost(in ws: Workspace, environment: [String: String] = [:]) throws -> (bytes: [UInt8], heads: [Int], dw: [UInt8]) {
        let id = ["--identity", ws.file("id")]
        #expect(try CLI.run(["keygen", "--out", ws.file("id")]).status == 0)
        #expect(try CLI.run(["init", ws.file("v.kv"), "--format", "2"] + id, environment: environment).status == 0)
        let dw = try ws.key("dw.bin")
        _ = try ws.key("sm.bin")
        #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + id, environment: environment).status == 0)
        #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + id, environment: environment).status == 0)
        var bytes = try ws.read("v.kv")
        let magic = Array("KVC2".utf8)
        let heads = (0..<(bytes.count - 4)).filter { $0 % 64 == 0 && Array(bytes[$0..<($0 + 4)]) == magic }
        try #require(heads.count == 3, "\(heads)")
        for i in heads[1]..<(heads[1] + 24) { bytes[i] = 0xA5 }
        _ = try ws.write(bytes, to: "v.kv")
        return (bytes, heads, dw)
    }

    @Test(.namedHosts) func restoreSalvagePassesOverACommitWhoseStructureIsGone() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let id = ["--identity", ws.file("id")]
        let (bytes, heads, dw) = try vaultWithItsSecondCommitLost(in: ws)

        var r = try CLI.run(["restore", ws.file("v.kv"), "--role", "dw", "--out", ws.file("dw-back.bin")] + id, host: "DW01")
        #expect(
            r.status == 5
                && r.error == "vault damaged: the commit at byte \(heads[1]) is damaged: no commit magic; 'keyvault restore --salvage' may still restore the key from its own seal, if that is intact",
            "\(r)")
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "dw", "--out", ws.file("dw-back.bin"), "--salvage"] + id, host: "DW01")
        #expect(try r.status == 0 && ws.read("dw-back.bin") == dw, "\(r)")
        #expect(
            r.stderr.contains(
                "warning: the vault is damaged (damage at byte \(heads[1]) (a commit that does not read: no commit magic) was passed over, read on from byte \(heads[2])); --salvage reads it all the same"
            ), "\(r)")
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("sm-back.bin"), "--salvage"] + id, host: "SM01")
        #expect(r.status == 6 && r.error == "no sm key in this vault (it holds: dw key of DW01)", "\(r)")
        // verify reads it as the salvage does: the damage, where it read on, and the entry it found, checked.
        let passed = "damage at byte \(heads[1]) (a commit that does not read: no commit magic) was passed over, read on from byte \(heads[2])"
        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(
            r.status == 5
                && r.stdout.split(separator: "\n").map(String.init) == [
                    "DAMAGED  vault damaged: the commit at byte \(heads[1]) is damaged: no commit magic (read past it: \(passed)); the entries below are what 'restore --salvage' finds",
                    "ok       dw key of DW01 (version 1)",
                    "DAMAGED  audit log record 2 does not follow from the one before (removed or edited)",
                    "1 of 1 entries found intact (read past damage: entries in what was lost are not counted); index NOT authentic; audit log NOT intact",
                ], "\(r)")
        let json = try VaultBytes.json(try CLI.run(["verify", ws.file("v.kv"), "--json"] + id))
        #expect(json["readPastDamage"] as? String == "vault damaged: the commit at byte \(heads[1]) is damaged: no commit magic (read past it: \(passed))")
        #expect(json["intact"] as? Bool == false && (json["entries"] as? [Any])?.count == 1 && (json["storageProblems"] as? [Any])?.isEmpty == true)
        #expect(!FileManager.default.fileExists(atPath: ws.file("sm-back.bin")))
        #expect(try ws.read("v.kv") == bytes, "the damaged vault was written to")
    }

    /// A user who saw the vault whole and restores with --salvage after a commit was lost sees fewer audit records
    /// than before: the warning says the damage may have taken them, the restore is not refused or failed, and
    /// --accept-rollback (which the note for an ordinary roll-back suggests) writes nothing to the damaged vault.
    @Test(.namedHosts) func aSalvageRestoreAfterLostCommitsIsNotTakenForARollBackToRecord() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let state = ["XDG_STATE_HOME": ws.file("state")]
        let id = ["--identity", ws.file("id")]
        let (bytes, _, dw) = try vaultWithItsSecondCommitLost(in: ws, environment: state)

        for extra in [[], ["--accept-rollback"]] {
            try? FileManager.default.removeItem(atPath: ws.file("dw-back.bin"))
            let r = try CLI.run(
                ["restore", ws.file("v.kv"), "--role", "dw", "--out", ws.file("dw-back.bin"), "--salvage"] + extra + id, host: "DW01", environment: state)
            #expect(try r.status == 0 && ws.read("dw-back.bin") == dw, "\(extra): \(r)")
            let lines = r.stderr.split(separator: "\n").map(String.init)
            #expect(
                lines.contains {
                    $0.hasPrefix("warning: the vault is older than the copy this user last saw (it has 2 audit records, but this user saw it with 3 on 20")
                        && $0.hasSuffix("Z): its newest records were lost with the damage --salvage read past, or an older copy was put in its place")
                }, "\(extra): \(r)")
            #expect(
                lines.contains(
                    "warning: the key was restored, but this restore could not be recorded in the vault's audit log: vault damaged: it was read past damage for salvage, and nothing is written to it; 'keyvault verify' says what is damaged"
                ), "\(extra): \(r)")
            #expect(!r.stderr.contains("--accept-rollback records it") && !r.stderr.contains("writing anyway"), "\(extra): \(r)")
            #expect(try ws.read("v.kv") == bytes, "the damaged vault was written to")
        }
    }

    /// Bytes no commit or key refers to are named by `verify` (exit 5): the remains of an unfinished commit, which
    /// --repair clears, and bytes after the last sealed key, which only `compact` drops (--repair says nothing of them).
    @Test func verifyNamesBytesNothingRefersToAndSaysWhatClearsThem() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: "\(Self.golden)/x25519.kv", toPath: ws.file("v.kv"))
        let id = ["--identity", "\(Self.golden)/alice.id"]
        #expect(try CLI.run(["upgrade", ws.file("v.kv"), "--format", "2", "--endorse"] + id).status == 0)
        let good = try ws.read("v.kv")
        let info = try CLI.run(["info", ws.file("v.kv"), "--json"]).stdout
        #expect(info.contains("\"commits\":2,\"chunks\":1"), "the upgrade and its endorsement: \(info)")

        // A byte put in the unused room of the chunk, 200 bytes before its end: an unfinished commit's remains.
        let stray = 4096 * 3 + 16 * 1024 - 48 - 200
        #expect(good[stray] == 0)
        var bytes = good
        bytes[stray] = 0x5A
        try ws.write(bytes, to: "v.kv")
        var r = try CLI.run(["list", ws.file("v.kv")])
        #expect(
            r.status == 0
                && r.stderr.contains("warning: \(ws.file("v.kv")): bytes that are no complete commit follow commit 2, at byte ")
                && r.stderr.contains("nothing refers to them; 'keyvault verify --repair' (or the next write) clears them"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(r.status == 5, "\(r)")
        #expect(
            r.stdout.split(separator: "\n").contains {
                $0.hasPrefix("DAMAGED  bytes that are no complete commit follow commit 2, at byte ")
                    && $0.hasSuffix("(an interrupted write, or bytes put there since); nothing refers to them; 'keyvault verify --repair' (or the next write) clears them")
            }, "\(r)")
        #expect(r.stdout.contains("1 of 1 entries intact"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv"), "--repair"] + id)
        #expect(r.status == 0 && r.stdout.contains("REPAIRED bytes that are no complete commit follow commit 2") && !r.stdout.contains("DAMAGED"), "\(r)")
        #expect(try ws.read("v.kv")[stray] == 0)

        // Bytes after the last sealed key: named, left by --repair, dropped by compact.
        let before = try ws.read("v.kv")
        try ws.write(before + Array("junk".utf8), to: "v.kv")
        let line =
            "DAMAGED  4 bytes follow the last sealed key, at byte \(before.count) (the keys of an interrupted write, or bytes added since); nothing refers to them; 'keyvault compact' drops them"
        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(r.status == 5 && r.stdout.contains(line), "\(r)")
        // Nothing at risk there: reading commands do not warn about it.
        r = try CLI.run(["list", ws.file("v.kv")])
        #expect(r.status == 0 && !r.stderr.contains("warning"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv"), "--repair"] + id)
        #expect(r.status == 5 && r.stdout.contains(line) && !r.stdout.contains("REPAIRED"), "\(r)")
        #expect(try ws.read("v.kv") == before + Array("junk".utf8), "--repair wrote nothing")
        #expect(try CLI.run(["compact", ws.file("v.kv")] + id).status == 0)
        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(r.status == 0 && !r.stdout.contains("DAMAGED"), "\(r)")
    }

    /// A byte inside slot copy A, or its magic: copy B is found either way (with the magic damaged, through the size
    /// the preamble names; the file was taken for one written by a newer keyvault, and nothing reached copy B).
    @Test(arguments: [77, 0]) func verifyNamesADamagedSlotCopyAndRepairsIt(byte: Int) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: "\(Self.golden)/x25519.kv", toPath: ws.file("v.kv"))
        let id = ["--identity", "\(Self.golden)/alice.id"]
        var r = try CLI.run(["upgrade", ws.file("v.kv"), "--format", "2", "--endorse"] + id)
        #expect(r.status == 0, "\(r)")
        let good = try ws.read("v.kv")
        var bytes = good
        bytes[4096 + byte] ^= 0x40  // inside slot copy A
        try Data(bytes).write(to: URL(fileURLWithPath: ws.file("v.kv")))

        // The commands that only read it say so on standard error, and still do their work; nothing is written.
        let warning = "warning: \(ws.file("v.kv")): slot area copy A is damaged; the other copy is intact: 'keyvault verify --repair' (or the next write) writes it again"
        for args in [["list", ws.file("v.kv")], ["list", ws.file("v.kv"), "--json"], ["log", ws.file("v.kv")] + id, ["inventory", "show", ws.file("v.kv")]] {
            r = try CLI.run(args)
            #expect(r.status == 0 && r.stderr.split(separator: "\n").contains { $0 == warning } && !r.stdout.contains("copy A"), "\(args): \(r)")
        }
        #expect(try CLI.run(["list", ws.file("v.kv"), "--json"]).stdout.hasPrefix("{"))
        #expect(try ws.read("v.kv") == bytes, "reading commands write nothing")

        r = try CLI.run(["verify", ws.file("v.kv")] + id)
        #expect(r.status == 5, "\(r)")
        #expect(r.stdout.contains("DAMAGED  slot area copy A is damaged; the other copy is intact: 'keyvault verify --repair' (or the next write) writes it again"), "\(r)")
        #expect(r.stdout.contains("1 of 1 entries intact"), "\(r)")
        #expect(try ws.read("v.kv") == bytes, "verify without --repair writes nothing")
        r = try CLI.run(["info", ws.file("v.kv")])
        #expect(
            r.status == 0
                && r.stdout.contains("storage:   DAMAGED slot area copy A is damaged; the other copy is intact: 'keyvault verify --repair' (or the next write) writes it again"),
            "\(r)")

        r = try CLI.run(["verify", ws.file("v.kv"), "--repair"] + id)
        #expect(r.status == 0 && r.stdout.contains("REPAIRED slot area copy A is damaged: rewritten from what is intact") && !r.stdout.contains("DAMAGED"), "\(r)")
        #expect(try ws.read("v.kv")[0..<(3 * 4096)] == good[0..<(3 * 4096)])
        r = try CLI.run(["verify", ws.file("v.kv"), "--json"] + id)
        #expect(r.status == 0 && r.stdout.contains("\"storageProblems\":[]"), "\(r)")
        r = try CLI.run(["log", ws.file("v.kv")] + id)
        #expect(r.stdout.contains("repair") && r.stdout.contains("ok: repaired: slot area copy A is damaged"), "\(r)")
        #expect(!r.stderr.contains("warning"), "\(r)")
    }

    /// `copy` waits for a writer that holds the vault's lock, however long, and copies the vault as the writer left it:
    /// it gave up on a shared lock after two seconds and copied a half-written append, and said it had copied the
    /// vault (`verify` of the copy then found bytes that are no complete commit). strace holds the seal's first sync
    /// for three seconds, as a slow disk could.
    @Test(.tool("/usr/bin/strace")) func aCopyWaitsForAnAppendInProgress() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "2"])
        _ = try ws.key("sm.bin")
        _ = try ws.key("ssp.bin")
        try #require(try ws.seal(role: "sm", host: "SM01", key: "sm.bin").status == 0)
        let seal = Process()
        seal.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        seal.arguments = [
            "-f", "-o", "/dev/null", "-e", "trace=fdatasync", "-e", "inject=fdatasync:delay_enter=3000000:when=1",
            CLI.binary, "seal", ws.file("vault.kv"), "--role", "ssp", "--host", "SSP01", "--key", ws.file("ssp.bin"), "--passphrase-file", ws.file("pass"),
        ]
        seal.standardOutput = FileHandle.nullDevice
        seal.standardError = FileHandle.nullDevice
        try seal.run()
        usleep(1_000_000)
        let copy = try CLI.run(["copy", ws.file("vault.kv"), ws.file("copy.kv")])
        seal.waitUntilExit()
        #expect(copy.status == 0 && seal.terminationStatus == 0, "\(copy)")
        let verify = try CLI.run(["verify", ws.file("copy.kv"), "--passphrase-file", ws.file("pass")])
        #expect(verify.status == 0 && verify.stdout.contains("2 of 2 entries intact"), "\(verify)")
    }

    /// A vault named through a symbolic link keeps its version-1 file beside the link's target while it converts, and
    /// upgrade's words name that file: they named the link's own name with ".v1", and so told the operator to remove
    /// an unrelated vault that happened to be there.
    @Test func anUpgradeThroughALinkNamesTheFileItKept() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.createDirectory(atPath: ws.file("real"), withIntermediateDirectories: true)
        try ws.initVault(extra: ["--format", "1"])
        try FileManager.default.moveItem(atPath: ws.file("vault.kv"), toPath: ws.file("real/vault.kv"))
        try FileManager.default.createSymbolicLink(atPath: ws.file("vault.kv"), withDestinationPath: ws.file("real/vault.kv"))
        try #require(try CLI.run(["init", ws.file("vault.kv.v1"), "--format", "1", "--passphrase-file", ws.file("pass"), "--kdf", "interactive"]).status == 0)
        let other = try ws.read("vault.kv.v1")
        let r = try CLI.run(["upgrade", ws.file("vault.kv"), "--format", "2", "--passphrase-file", ws.file("pass")])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("; \(ws.file("real/vault.kv.v1")), the version-1 file kept while converting, was removed"), "\(r)")
        #expect(!r.stdout.contains("\(ws.file("vault.kv.v1")) is the version-1 file"), "\(r)")
        #expect(try ws.read("vault.kv.v1") == other)
    }

    /// A copy killed before it is complete leaves nothing at the destination, not even a hidden temporary file: the
    /// copy is written unnamed and named once checked (a named temporary file, a whole copy of the vault, was left).
    @Test(.tool("/usr/bin/strace")) func aKilledCopyLeavesNothing() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "2"])
        try FileManager.default.createDirectory(atPath: ws.file("dst"), withIntermediateDirectories: true)
        let r = try CLI.execute(["/usr/bin/strace", "-f", "-o", "/dev/null", "-e", "inject=fsync:signal=KILL:when=1", CLI.binary, "copy", ws.file("vault.kv"), ws.file("dst/copy.kv")])
        #expect(r.status != 0, "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.file("dst")).isEmpty)
    }

    @Test func badFormatRequestsAreRefusedInOneLine() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: "\(Self.golden)/x25519.kv", toPath: ws.file("v.kv"))
        let before = try ws.read("v.kv")
        let id = ["--identity", "\(Self.golden)/alice.id"]
        var r = try CLI.run(["upgrade", ws.file("v.kv"), "--format", "3"] + id)
        #expect(r.status == 2 && r.error.contains("--format takes 2"), "\(r)")
        r = try CLI.run(["compact", ws.file("v.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("nothing to compact"), "\(r)")
        try Data("other".utf8).write(to: URL(fileURLWithPath: ws.file("v.kv.v1")))
        r = try CLI.run(["upgrade", ws.file("v.kv"), "--format", "2", "--endorse"] + id)
        #expect(r.status == 2 && r.error == "\(ws.file("v.kv.v1")) exists and is not this vault; move it away and run the upgrade again; nothing was written", "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
        #expect(try ws.read("v.kv") == before)
    }
}
