// Issue 10, item 2 through the binary: a vault put back to an older copy is noticed (per-user state), and
// checkpoints kept off the box catch a roll-back or cut records.
import Foundation
import Testing

@Suite(.serialized) struct RollbackCLITests {
    let ws: Workspace
    /// This test's own per-user state (each CLI run otherwise gets a fresh, empty one).
    var state: [String: String] { ["XDG_STATE_HOME": ws.file("state")] }
    var pass: [String] { ["--passphrase-file", ws.file("pass")] }
    var vault: String { ws.file("vault.kv") }

    init() throws { ws = try Workspace() }

    func run(_ args: [String]) throws -> Run { try CLI.run(args, environment: state) }

    func seal(_ role: String, _ host: String, _ key: String, _ extra: [String] = []) throws -> Run {
        _ = try ws.key(key)
        return try run(["seal", vault, "--role", role, "--host", host, "--key", ws.file(key)] + pass + extra)
    }

    @Test func aRollBackAfterACustodianRemovalIsNoticed() throws {
        defer { ws.cleanUp() }
        let recipient = try run(["keygen", "--out", ws.file("alice.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(try run(["init", vault, "--recipient", recipient] + pass + ["--kdf", "interactive"]).status == 0)
        try #require(try seal("sm", "SM01", "sm01.bin").status == 0)
        let withAlice = try ws.read("vault.kv")
        let custodians = try VaultBytes.json(try run(["custodian", "list", vault, "--json"]))
        let alice = try #require((custodians["custodians"] as? [[String: Any]])?.first { $0["kind"] as? String == "x25519" }?["id"] as? String)
        let removed = try run(["custodian", "remove", vault, alice] + pass)
        try #require(removed.status == 0, "\(removed)")

        // Someone who can write the file puts the copy from before the removal back.
        try ws.write(withAlice, to: "vault.kv")
        let refused = try seal("dw", "DW01", "dw01.bin")
        #expect(refused.status == 5, "\(refused)")
        #expect(
            refused.error.hasPrefix("refused: the vault is older than the copy this user last saw (it has 1 audit record, but this user saw it with 2 on 20")
                && refused.error.hasSuffix(
                    "Z): an older copy was put in its place, or its newest records were cut; if this file is the vault to keep, run again with --accept-rollback (it is recorded in the vault's log)"
                ), "\(refused)")
        #expect(try ws.read("vault.kv") == withAlice, "nothing was written: the removed custodian gets no new key")
        for args in [["drill", vault] + pass, ["inventory", "group", vault, "--name", "MG1"] + pass, ["promote", vault, "--host", "SM01"] + pass] {
            let r = try run(args)
            #expect(args[0] == "drill" ? r.status == 0 : r.status == 5 || r.status == 6, "\(args[0]): \(r)")
            #expect(r.stderr.contains("the vault is older than the copy this user last saw"), "\(args[0]): \(r)")
        }
        #expect(try ws.read("vault.kv") == withAlice, "the drill ran but recorded nothing")
        // Its JSON says so too: a job that checks `recorded` is not told the drill is in the log (it said true).
        let drillJSON = try VaultBytes.json(try run(["drill", vault, "--json"] + pass))
        #expect(
            drillJSON["recorded"] as? Bool == false
                && drillJSON["recordError"] as? String
                    == "not recorded: the vault is behind the copy this user last saw, or off its history (--accept-rollback records it)",
            "\(drillJSON)")
        #expect(try ws.read("vault.kv") == withAlice)

        // Reads go on, with a warning; a restore at 3 a.m. still works and says it was not recorded.
        let list = try run(["list", vault])
        #expect(list.status == 0 && list.stderr.hasPrefix("warning: the vault is older than the copy this user last saw"), "\(list)")

        // Accepted on purpose: written, and the acceptance is in the log.
        let accepted = try seal("dw", "DW01", "dw01.bin", ["--accept-rollback"])
        #expect(accepted.status == 0, "\(accepted)")
        let log = try VaultBytes.json(try run(["log", vault, "--json"] + pass))
        let actions = (log["records"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
        #expect(actions.suffix(2) == ["accept-rollback", "seal"], "\(actions)")
        // From now on this copy is the one remembered: no more warnings.
        #expect(try run(["list", vault]).stderr.isEmpty)
    }

    /// `--accept-rollback` is recorded in the commit of the change it allows, not by a write of its own first: a
    /// command refused after the roll-back check (an unknown host to promote, a key file that is not there, a key
    /// sealed already for another computer) leaves the file byte for byte as it was (it had an acceptance record and
    /// no change); a drill records the acceptance with its results, once, and the user's record then follows the copy.
    @Test(arguments: ["1", "2"])
    func anAcceptedRollBackIsRecordedOnlyWithTheChangeItAllows(format: String) throws {
        defer { ws.cleanUp() }
        try #require(try run(["init", vault] + pass + ["--kdf", "interactive", "--format", format]).status == 0)
        try #require(try seal("sm", "SM01", "sm01.bin").status == 0)
        let old = try ws.read("vault.kv")
        try #require(try seal("dw", "DW01", "dw01.bin").status == 0)
        try ws.write(old, to: "vault.kv")
        let warning =
            "warning: the vault is older than the copy this user last saw (it has 1 audit record, but this user saw it with 2 on 20"
        let refusals: [(args: [String], status: Int32, error: String)] = [
            (["promote", vault, "--host", "SM09"] + pass, 6, "no host SM09 in the inventory (SM servers: none recorded); record it first with 'keyvault inventory host'"),
            (["seal", vault, "--role", "dw", "--host", "DW02", "--key", ws.file("missing.bin")] + pass, 2, "key file \(ws.file("missing.bin")) does not exist"),
            (
                ["seal", vault, "--role", "dw", "--host", "DW02", "--key", ws.file("sm01.bin")] + pass, 2,
                "refused: this key file is already sealed as the sm key of SM01 (version 1); each server's key is different (and SM and DW keys are never the same), so check that you picked the right file; if that entry was the mistake, 'keyvault retire VAULT --role sm --host SM01 --version 1 --reason TEXT' sets it aside first"
            ),
        ]
        for refusal in refusals {
            let r = try run(refusal.args + ["--accept-rollback"])
            #expect(r.status == refusal.status && r.error == refusal.error, "\(refusal.args[0]): \(r)")
            #expect(r.stderr.hasPrefix(warning) && r.stderr.contains("writing anyway (--accept-rollback), and recording that in the vault's log with the change"), "\(r)")
            #expect(try ws.read("vault.kv") == old, "\(refusal.args[0]): nothing was written, not even the acceptance")
        }
        let drill = try run(["drill", vault, "--accept-rollback"] + pass)
        #expect(drill.status == 0, "\(drill)")
        let log = try VaultBytes.json(try run(["log", vault, "--json"] + pass))
        let records = log["records"] as? [[String: Any]] ?? []
        #expect(records.compactMap { $0["action"] as? String } == ["seal", "accept-rollback", "drill"], "\(records)")
        let outcome = records.dropFirst().first?["outcome"] as? String ?? ""
        #expect(outcome.hasPrefix("ok: roll-back accepted: the vault is older than the copy this user last saw (it has 1 audit record"), "\(outcome)")
        // The user's record follows the copy written: the next write goes ahead without the flag, and records nothing more.
        let next = try seal("dw", "DW02", "dw02.bin")
        #expect(next.status == 0 && next.stderr.isEmpty, "\(next)")
        let after = try VaultBytes.json(try run(["log", vault, "--json"] + pass))
        #expect((after["records"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["seal", "accept-rollback", "drill", "seal"])
    }

    /// An older copy put back and written to by a user who had not seen the newer one: its history went another way.
    /// A user who saw the newer copy is refused when the copy has as many records as seen and when it has more; a
    /// read warns and does not move that user's record, so the next write is still refused (it was not, and a read
    /// then let the write lose the key that user had sealed).
    @Test(arguments: [1, 2])
    func anOlderCopyWrittenToSinceIsRefusedToThoseWhoSawTheNewer(otherWrites: Int) throws {
        defer { ws.cleanUp() }
        let alice = ["XDG_STATE_HOME": ws.file("alice-state")], bob = state
        try ws.initVault()
        _ = try ws.key("sm01.bin"); _ = try ws.key("dw01.bin"); _ = try ws.key("dw2.bin")
        func seal(_ role: String, _ host: String, _ key: String, as user: [String: String], _ extra: [String] = []) throws -> Run {
            try CLI.run(["seal", vault, "--role", role, "--host", host, "--key", ws.file(key)] + pass + extra, environment: user)
        }
        try #require(try seal("sm", "SM01", "sm01.bin", as: alice).status == 0)
        let old = try ws.read("vault.kv")
        try #require(try seal("dw", "DW01", "dw01.bin", as: bob).status == 0)
        let seenFile = try #require(try FileManager.default.contentsOfDirectory(atPath: ws.file("state/keyvault/seen")).first { $0.count == 32 })
        let bobSaw = try ws.read("state/keyvault/seen/\(seenFile)")
        let records = try #require(String(decoding: bobSaw, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("records ") }?.dropFirst(8))
        // The older copy is put back, and Alice, who never saw Bob's seal, writes to it.
        try ws.write(old, to: "vault.kv")
        for n in 1...otherWrites {
            _ = try ws.key("ssp\(n).bin")
            try #require(try seal("ssp", "SSP0\(n)", "ssp\(n).bin", as: alice).status == 0)
        }
        let forked = try ws.read("vault.kv")
        let expected =
            "the vault's history is not the one this user last saw (its audit record \(records) is not the one this user saw on 20"
        let list = try CLI.run(["list", vault] + pass, environment: bob)
        #expect(list.status == 0 && list.stderr.hasPrefix("warning: \(expected)"), "\(list)")
        #expect(
            list.stderr.contains("Z): an older copy was put in its place and written to since, or another vault's history was copied into it"),
            "\(list)")
        #expect(try ws.read("state/keyvault/seen/\(seenFile)") == bobSaw, "a read that warns keeps what this user saw")
        let refused = try seal("dw", "DW01", "dw2.bin", as: bob)
        #expect(refused.status == 5 && refused.error.hasPrefix("refused: \(expected)"), "\(refused)")
        #expect(refused.error.hasSuffix("if this file is the vault to keep, run again with --accept-rollback (it is recorded in the vault's log)"), "\(refused)")
        #expect(try ws.read("vault.kv") == forked, "nothing was written")
        // Alice saw only this history: she goes on. Bob goes on only when he says so.
        _ = try ws.key("ssp9.bin")
        #expect(try seal("ssp", "SSP09", "ssp9.bin", as: alice).status == 0)
        #expect(try seal("dw", "DW01", "dw2.bin", as: bob).status == 5)
        let accepted = try seal("dw", "DW01", "dw2.bin", as: bob, ["--accept-rollback"])
        #expect(accepted.status == 0 && accepted.stderr.contains("writing anyway (--accept-rollback)"), "\(accepted)")
        #expect(try CLI.run(["list", vault] + pass, environment: bob).stderr.isEmpty)
    }

    /// A scratch copy written at another path holds the later history: the refusal names that path and says how to
    /// go on from the real file, and nothing is written until the operator says so.
    @Test func aCopyWrittenElsewhereIsNamedInTheRefusal() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        try #require(try seal("sm", "SM01", "sm01.bin").status == 0)
        let scratch = ws.file("scratch.kv")
        try FileManager.default.copyItem(atPath: vault, toPath: scratch)
        let drilled = try run(["drill", scratch] + pass)
        try #require(drilled.status == 0, "\(drilled)")
        let before = try ws.read("vault.kv")
        let refused = try seal("dw", "DW01", "dw01.bin")
        #expect(refused.status == 5, "\(refused)")
        #expect(
            refused.error.contains("(it has 1 audit record, but this user saw it with 2 on 20")
                && refused.error.hasSuffix(
                    "Z at \(scratch)): a copy of it at that path was written since (a scratch copy, say), or an older copy was put in its place here; if this file is the vault to keep, run again with --accept-rollback (it is recorded in the vault's log)"
                ),
            "\(refused)")
        #expect(try ws.read("vault.kv") == before)
        #expect(try seal("dw", "DW01", "dw01.bin", ["--accept-rollback"]).status == 0)
    }

    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "restores need this machine's host name recorded; runs as root in CI"))
    func aRestoreOnARolledBackCopyWorksAndIsNotRecorded() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let me = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        try #require(try seal("dw", me, "dw.bin").status == 0)
        let old = try ws.read("vault.kv")
        try #require(try seal("sm", "SM01", "sm.bin").status == 0)
        try ws.write(old, to: "vault.kv")
        let r = try run(["restore", vault, "--role", "dw", "--out", ws.file("out.bin")] + pass)
        #expect(r.status == 0 && r.stderr.contains("note: this restore was not recorded in the vault, which is behind the copy this user last saw, or off its history"), "\(r)")
        #expect(try ws.read("out.bin") == (try ws.read("dw.bin")))
        #expect(try ws.read("vault.kv") == old)
        // Accepted: the restore's record and the acceptance, in one write.
        let accepted = try run(["restore", vault, "--role", "dw", "--out", ws.file("out1.bin"), "--accept-rollback"] + pass)
        #expect(accepted.status == 0 && accepted.stderr.contains("writing anyway (--accept-rollback)"), "\(accepted)")
        let actions = (try VaultBytes.json(try run(["log", vault, "--json"] + pass))["records"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
        #expect(actions == ["seal", "accept-rollback", "restore"], "\(String(describing: actions))")
        try ws.write(old, to: "vault.kv")
        // A freshly rebuilt host has no state at all: the same restore is simply recorded.
        let fresh = try CLI.run(["restore", vault, "--role", "dw", "--out", ws.file("out2.bin")] + pass)
        #expect(fresh.status == 0 && !fresh.stderr.contains("older than"), "\(fresh)")
    }

    @Test func theStateIsPrivate() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        try #require(try seal("sm", "SM01", "k.bin").status == 0)
        let folder = ws.file("state/keyvault/seen")
        // One file for how far the history had come, one for the vault key this user saw (its pin).
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count == 2 && files[0].count == 32 && files[1] == files[0] + ".key", "\(files)")
        let dirMode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(dirMode == 0o700)
        for file in files {
            #expect(try FileManager.default.attributesOfItem(atPath: "\(folder)/\(file)")[.posixPermissions] as? Int == 0o600, "\(file)")
        }
        let text = String(decoding: try ws.read("state/keyvault/seen/\(files[0])"), as: UTF8.self)
        #expect(text.hasPrefix("keyvault-seen 1\nrecords 1\nhead "), "\(text)")
        let pin = String(decoding: try ws.read("state/keyvault/seen/\(files[1])"), as: UTF8.self)
        #expect(pin.hasPrefix("keyvault-key 1\nkey ") && pin.split(separator: "\n")[1].count == 4 + 64, "\(pin)")
    }

    @Test func checkpointsCatchRollBacksCutRecordsAndOtherHistories() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        try #require(try seal("sm", "SM01", "a.bin").status == 0)
        let atOne = try ws.read("vault.kv")
        try #require(try seal("dw", "DW01", "b.bin").status == 0)
        let made = try run(["checkpoint", vault] + pass)
        try #require(made.status == 0, "\(made)")
        let line = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("kvcp1:") && line.split(separator: ":").count == 5 && line.count < 140, "\(line)")
        #expect(line.split(separator: ":")[2] == "2")
        try ws.write(Array("\(line)\n".utf8), to: "cp.txt")

        // Where it was, and further on: passes.
        var r = try CLI.run(["verify", vault, "--checkpoint", line] + pass)
        #expect(r.status == 0 && r.stdout.contains("checkpoint: the vault is where the checkpoint left it"), "\(r)")
        try #require(try seal("ssp", "SSP01", "c.bin").status == 0)
        r = try CLI.run(["verify", vault, "--checkpoint", ws.file("cp.txt"), "--json"] + pass)
        let json = try VaultBytes.json(r)
        let cp = try #require(json["checkpoint"] as? [String: Any])
        #expect(r.status == 0 && cp["state"] as? String == "newer" && cp["newerBy"] as? Int == 1 && cp["historyVerified"] as? Bool == true, "\(r)")

        // Rolled back past it: the copy from after the first seal (as if the newest records were cut).
        try ws.write(atOne, to: "vault.kv")
        r = try CLI.run(["verify", vault, "--checkpoint", line] + pass)
        #expect(r.status == 5 && r.error == "ROLLED BACK: the checkpoint names 2 audit records, the vault has 1: an older copy was put in its place, or its newest records were cut", "\(r)")

        // Another history: from record 1, a different second seal.
        let other = try seal("dw", "DW09", "d.bin", ["--accept-rollback"])
        try #require(other.status == 0, "\(other)")
        r = try CLI.run(["verify", vault, "--checkpoint", line] + pass)
        #expect(r.status == 5 && r.error == "DIVERGED: the vault's audit record 2 is not the one the checkpoint names: its history went another way", "\(r)")

        // Altered, for another vault, not a checkpoint: refused with what is wrong.
        var parts = line.split(separator: ":").map(String.init)
        parts[4] = String(parts[4].reversed())
        r = try CLI.run(["verify", vault, "--checkpoint", parts.joined(separator: ":")] + pass)
        #expect(r.status == 5 && r.error.hasPrefix("the checkpoint does not authenticate under this vault's key: it was altered, or the vault was re-keyed since it was made"), "\(r)")
        parts = line.split(separator: ":").map(String.init)
        parts[1] = String(repeating: "0", count: 32)
        r = try CLI.run(["verify", vault, "--checkpoint", parts.joined(separator: ":")] + pass)
        #expect(r.status == 2 && r.error.hasPrefix("the checkpoint is for vault 00000000000000000000000000000000, not this one"), "\(r)")
        r = try CLI.run(["verify", vault, "--checkpoint", "kvcp1:nonsense"] + pass)
        #expect(r.status == 2 && r.error == "not a keyvault checkpoint: expected one line kvcp1:<vault id>:<records>:<head>:<mac>, as 'keyvault checkpoint' prints", "\(r)")
    }

    @Test func aStateFolderOthersCanWriteIsNotUsed() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        try #require(try seal("sm", "SM01", "k.bin").status == 0)
        let vaultID = try #require(try VaultBytes.json(try run(["list", vault, "--json"]))["id"] as? String)
        // Someone else's folder (here: one anybody can write) with a planted record of a far newer history.
        let shared = ws.file("shared/keyvault/seen")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try ws.write(Array("keyvault-seen 1\nrecords 999999\nhead \(String(repeating: "0", count: 64))\ntime 1\npath /x\n".utf8), to: "shared/keyvault/seen/\(vaultID)")
        try #require(chmod(shared, 0o777) == 0)
        _ = try ws.key("d.bin")
        let sealed = try CLI.run(["seal", vault, "--role", "dw", "--host", "DW01", "--key", ws.file("d.bin")] + pass, environment: ["XDG_STATE_HOME": ws.file("shared")])
        #expect(sealed.status == 0, "a planted record must not block writes: \(sealed)")
        #expect(sealed.stderr.contains("warning: not using \(shared) to notice roll-backs: others can write \(shared) (mode 777)"), "\(sealed)")
        // A symbolic link in place of the folder is not followed either.
        let linked = ws.file("linked/keyvault")
        try FileManager.default.createDirectory(atPath: linked, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(linked)/seen", withDestinationPath: ws.file("elsewhere"))
        let listed = try CLI.run(["list", vault] + pass, environment: ["XDG_STATE_HOME": ws.file("linked")])
        #expect(listed.status == 0 && listed.stderr.contains("is not a folder (a symbolic link?)"), "\(listed)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("elsewhere")), "nothing was written through the link")
    }

    @Test func aCheckpointIsNotComparedWithAVaultThatDoesNotAuthenticate() throws {
        defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "1"])  // the edit below is of version 1's log section
        try #require(try seal("sm", "SM01", "a.bin").status == 0)
        let line = try run(["checkpoint", vault] + pass).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The record count inflated by hand (the unkeyed checksum re-made): the count means nothing now.
        try VaultBytes.edit(
            vault,
            """
            t, at, body, length = [s for s in sections() if s[0] == 6][0]
            b[body:body+8] = struct.pack('>Q', 5)
            """)
        let r = try CLI.run(["verify", vault, "--checkpoint", line, "--json"] + pass)
        let json = try VaultBytes.json(r)
        let cp = try #require(json["checkpoint"] as? [String: Any])
        #expect(r.status == 5 && cp["state"] as? String == "unverifiable" && cp["ok"] as? Bool == false, "\(r)")
    }

    /// This user's own write, landing after a drill read the vault and before the drill compared it with this user's
    /// record, is no roll-back: asked again under the writers' lock, the vault is not behind, and the drill records
    /// itself without a warning. It warned of an older copy and did not record itself (a review saw it in 5 of 5
    /// rounds of concurrent seals). strace holds the drill's read of this user's record while a seal writes.
    @Test(.tool("/usr/bin/strace")) func thisUsersOwnWriteMeanwhileIsNoRollback() throws {
        defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "2"])
        _ = try ws.key("a.bin")
        _ = try ws.key("b.bin")
        try #require(try run(["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("a.bin")] + pass).status == 0)
        let seen = try FileManager.default.contentsOfDirectory(atPath: ws.file("state/keyvault/seen")).filter { !$0.hasSuffix(".key") }
        try #require(seen.count == 1)
        let drill = Process()
        drill.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        drill.arguments =
            [
                "-f", "-o", "/dev/null", "-P", ws.file("state/keyvault/seen/\(seen[0])"), "-e", "trace=openat", "-e", "inject=openat:delay_enter=1500000:when=1",
                CLI.binary, "drill", vault,
            ] + pass
        drill.environment = ProcessInfo.processInfo.environment.merging(state) { $1 }
        let errors = Pipe()
        drill.standardOutput = FileHandle.nullDevice
        drill.standardError = errors
        try drill.run()
        usleep(500_000)
        try #require(try run(["seal", vault, "--role", "sm", "--host", "SM02", "--key", ws.file("b.bin")] + pass).status == 0)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        drill.waitUntilExit()
        #expect(drill.terminationStatus == 0 && !said.contains("older than the copy this user last saw") && !said.contains("not recorded"), "\(said)")
        let log = try VaultBytes.json(try run(["log", vault, "--json"] + pass))
        #expect((log["records"] as? [[String: Any]])?.last?["action"] as? String == "drill", "\(log)")
    }
}
