// Issue 10, attack 1, through the binary: Tests/interop/forge_vault.py (written from docs/FORMAT.md alone, holding
// no secret) wraps a key of its own choosing to the vault's public custodians, chains the log again and re-makes the
// tag. Each user keeps their own state folder, as on their own machine.
import Foundation
import Testing
import KeyVaultTestSupport

@Suite struct TrustCLITests {
    static var root: String { URL(fileURLWithPath: VectorCase.folder).deletingLastPathComponent().deletingLastPathComponent().path }

    /// One person's keyvault state (their pins and what they saw), as on their own machine.
    static func user(_ ws: Workspace, _ name: String) -> [String: String] { ["XDG_STATE_HOME": ws.file("state-\(name)")] }

    static func forge(_ ws: Workspace, _ vault: String, _ mode: String) throws -> String {
        let r = try CLI.execute([InteropTests.python, "\(root)/Tests/interop/forge_vault.py", ws.file(vault), "--endorsements", mode])
        guard r.status == 0 else { throw WorkspaceError(message: "forge: \(r)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func attackerReadsNewest(_ ws: Workspace, _ vault: String, key: String) throws -> [UInt8] {
        let r = try CLI.execute([InteropTests.python, "\(root)/Tests/interop/forge_vault.py", ws.file(vault), "--open-newest", key])
        return r.status == 0 ? Array<UInt8>(hexString: r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? [] : []
    }

    @Test(
        .enabled(if: InteropTests.hasNaCl, "python3-nacl is missing; scripts/require-packages.sh installs it"),
        arguments: ["x25519", "threshold"], ["drop", "keep", "claim"])
    func aReWrappedVaultKeyIsRefused(kind: String, mode: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        for name in ["alice", "bob", "carol"] { try #require(try CLI.run(["keygen", "--out", ws.file("\(name).id")]).status == 0) }
        let carol = try CLI.run(["keygen", "--public", ws.file("carol.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let alice = Self.user(ws, "alice")
        let ids = kind == "x25519" ? ["--identity", ws.file("alice.id")] : ["--identity", ws.file("alice.id"), "--identity", ws.file("bob.id")]
        // Format version 1: forge_vault.py re-wraps the key in version 1's single slot area.
        let made = try CLI.run(
            ["init", ws.file("v.kv"), "--format", "1"] + ids + (kind == "x25519" ? [] : ["--recipient", carol, "--threshold", "2"]), environment: alice)
        try #require(made.status == 0 && made.stdout.contains("vault key fingerprint: "), "\(made)")
        _ = try ws.key("sm.bin"); _ = try ws.key("dw.bin")
        try #require(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + ids, environment: alice).status == 0)

        let key = try Self.forge(ws, "v.kv", mode)
        let forged = try ws.read("v.kv")
        // The forgery opens under the real custodians' secrets and authenticates (a tag under the attacker's key).
        let seal = ["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + ids
        // Alice, who saw the vault, is refused as for tampering: its history is not the one she saw (the log was chained
        // again), and its key is not the one she pinned; her reads are refused too.
        var r = try CLI.run(seal, environment: alice)
        #expect(r.status == 5 && r.error.hasPrefix("refused: the vault's history is not the one this user last saw"), "\(r)")
        r = try CLI.run(seal + ["--accept-rollback"], environment: alice)
        #expect(r.status == 5 && r.error.hasPrefix("refused: this vault's key is not the one this user last saw"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv")] + ids, environment: alice)
        #expect(r.status == 5 && r.error.contains("is not the one this user last saw") && r.error.contains("nothing in it can be trusted"), "\(r)")
        r = try CLI.run(["plan", ws.file("v.kv"), "--failed", "SM01"] + ids, environment: alice)
        #expect(r.status == 5, "\(r)")
        // A custodian on a machine that never saw the vault: a missing endorsement needs a decision (exit 3); one that
        // does not check is tampering (exit 5).
        let dave = Self.user(ws, "dave")
        r = try CLI.run(seal, environment: dave)
        if mode == "claim" {
            #expect(r.status == 5 && r.error.contains("does not check under its custodian's own secret"), "\(r)")
        } else {
            #expect(r.status == 3 && r.error.hasPrefix("refused: nothing vouches for this vault's key"), "\(r)")
            let listed = try CLI.run(["list", ws.file("v.kv")] + ids, environment: dave)
            #expect(listed.status == 0 && listed.stderr.contains("warning: nothing vouches for this vault's key"), "\(listed)")
        }
        #expect(try ws.read("v.kv") == forged, "a refused command changed the vault")

        // What the refusals prevent: a custodian who vouches anyway hands the attacker the key.
        if mode != "claim" {
            r = try CLI.run(seal + ["--endorse"], environment: dave)
            #expect(r.status == 0, "\(r)")
            #expect(try Self.attackerReadsNewest(ws, "v.kv", key: key) == (try ws.read("dw.bin")))
        }
    }

    @Test func aReKeyByAnotherCustodianIsFollowedThroughTheOldKeysSignature() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        for name in ["alice", "bob"] { try #require(try CLI.run(["keygen", "--out", ws.file("\(name).id")]).status == 0) }
        let alice = Self.user(ws, "alice"), bob = Self.user(ws, "bob")
        try #require(try CLI.run(["init", ws.file("v.kv"), "--identity", ws.file("alice.id"), "--identity", ws.file("bob.id")], environment: alice).status == 0)
        _ = try ws.key("sm.bin"); _ = try ws.key("dw.bin")
        try #require(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", ws.file("alice.id")], environment: alice).status == 0)
        let pinFile = try #require(try FileManager.default.contentsOfDirectory(atPath: ws.file("state-alice/keyvault/seen")).first { $0.hasSuffix(".key") })
        let pinned = try ws.read("state-alice/keyvault/seen/\(pinFile)")
        let beforeRekey = try ws.read("v.kv")
        var r = try CLI.run(["rekey", ws.file("v.kv"), "--identity", ws.file("bob.id")], environment: bob)
        #expect(r.status == 0, "\(r)")
        // Bob's re-key endorses the new key for Bob only, and says who must endorse it again.
        #expect(r.stderr.contains("note: the new key is not endorsed by slot 1 (custodian ") && r.stderr.contains("), whose identity was not given:"), "\(r)")
        #expect(!r.stderr.contains("slot 2 (custodian"), "\(r)")
        // Alice pinned the old key; the re-key's transition, signed by it, leads to the new one.
        r = try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"), "--identity", ws.file("alice.id")], environment: alice)
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("state-alice/keyvault/seen/\(pinFile)") != pinned, "the pin follows the re-key")
        let log = try CLI.run(["log", ws.file("v.kv"), "--identity", ws.file("alice.id")], environment: alice)
        #expect(log.stdout.contains("rekey") && log.stdout.components(separatedBy: "endorse").count >= 3, "\(log)")
        let checkpoint = try CLI.run(["checkpoint", ws.file("v.kv"), "--identity", ws.file("alice.id")], environment: alice)
        try #require(checkpoint.status == 0, "\(checkpoint)")
        // The copy from before the re-key, put back: its key contradicts Alice's pin. A drill, which takes --endorse,
        // says to run it again so; a read, which does not, says to vouch by a write.
        try ws.write(beforeRekey, to: "v.kv")
        // Checked against the checkpoint made after the re-key (by someone with no pin, who gets that far): said to be
        // a copy from before the re-key, not a vault re-keyed since.
        let checked = try CLI.run(
            ["verify", ws.file("v.kv"), "--identity", ws.file("alice.id"), "--checkpoint", checkpoint.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
            environment: Self.user(ws, "dave"))
        #expect(
            checked.status == 5
                && checked.error.hasPrefix(
                    "the checkpoint does not authenticate under this vault's key: it was altered, or this copy is from before a re-key the checkpoint was made after (an older copy put back)"
                ), "\(checked)")
        let drill = ["drill", ws.file("v.kv"), "--identity", ws.file("alice.id")]
        r = try CLI.run(drill, environment: alice)
        #expect(r.status == 5 && r.error.hasSuffix("is the key fingerprint its custodians expect, run it again with --endorse"), "\(r)")
        r = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("alice.id")], environment: alice)
        #expect(
            r.status == 5 && r.error.hasSuffix("is the key fingerprint its custodians expect, run a write with --endorse (or keyvault upgrade --endorse)"),
            "\(r)")
        r = try CLI.run(drill + ["--endorse"], environment: alice)
        #expect(r.status == 0, "\(r)")
    }

    @Test func aVaultWrittenBeforeEndorsementsIsUpgradedByOneCommand() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let golden = "\(Self.root)/Fixtures/custodians"
        try FileManager.default.copyItem(atPath: "\(golden)/x25519.kv", toPath: ws.file("v.kv"))
        _ = try ws.key("dw.bin")
        let alice = Self.user(ws, "alice")
        let id = ["--identity", "\(golden)/alice.id"]
        // It opens as ever; a read warns; a write needs the decision.
        var r = try CLI.run(["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("sm.bin")] + id, host: "SM01", environment: alice)
        #expect(r.status == 0 && r.stderr.contains("warning: nothing vouches for this vault's key") && r.stderr.contains("'keyvault upgrade --endorse'"), "\(r)")
        let before = try ws.read("v.kv")
        r = try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + id, environment: alice)
        #expect(try r.status == 3 && ws.read("v.kv") == before, "\(r)")
        #expect(try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"]).stdout.contains("\"endorsed\":false"))
        // upgrade shows the fingerprint and endorses only on the operator's word: a forgery looks the same.
        r = try CLI.run(["upgrade", ws.file("v.kv")] + id, environment: alice)
        #expect(r.status == 3 && r.error.contains("If ") && r.error.contains(" is the key fingerprint") && r.error.contains("--endorse"), "\(r)")
        #expect(try ws.read("v.kv") == before)
        r = try CLI.run(["upgrade", ws.file("v.kv"), "--endorse"] + id, environment: alice)
        #expect(r.status == 0 && r.stdout.contains("endorsed 1 slot") && r.stdout.contains("vault key fingerprint "), "\(r)")
        r = try CLI.run(["upgrade", ws.file("v.kv")] + id, environment: alice)
        #expect(r.status == 0 && r.stdout.contains("nothing to endorse"), "\(r)")
        // Alice's slot (the first of two) carries her endorsement now; Bob's does not until he writes.
        let listed = try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"]).stdout
        #expect(listed.components(separatedBy: "\"endorsed\":true").count == 2 && listed.contains("\"endorsed\":false"), "\(listed)")
        // Endorsed: a custodian on another machine writes without a decision, and the golden key still restores.
        r = try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + id, environment: Self.user(ws, "elsewhere"))
        #expect(r.status == 0, "\(r)")
        r = try CLI.run(["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("sm2.bin")] + id, host: "SM01", environment: Self.user(ws, "rebuilt"))
        #expect(r.status == 0 && !r.stderr.contains("vouches"), "\(r)")
        #expect(try ws.read("sm2.bin") == (try TestFiles.bytes("\(golden)/keys/sm01.bin")))
    }

    /// The review's second escape: a vault of the writer's own (a new id, so nothing this user pinned applies) put
    /// where the real one was.
    @Test func aVaultReplacedByAnotherAtTheSamePathIsRefused() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try #require(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        let alice = Self.user(ws, "alice")
        let id = ["--identity", ws.file("alice.id")]
        try #require(try CLI.run(["init", ws.file("v.kv")] + id, environment: alice).status == 0)
        _ = try ws.key("sm.bin"); _ = try ws.key("dw.bin")
        try #require(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + id, environment: alice).status == 0)
        // The writer makes a vault to Alice's public recipient (as anyone can) and puts it in the real one's place.
        let recipient = try CLI.run(["keygen", "--public", ws.file("alice.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(try CLI.run(["init", ws.file("evil.kv"), "--recipient", recipient]).status == 0)
        #expect(rename(ws.file("evil.kv"), ws.file("v.kv")) == 0)
        let evil = try ws.read("v.kv")
        var r = try CLI.run(["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + id, environment: alice)
        #expect(r.status == 5 && r.error.hasPrefix("refused: this file holds another vault"), "\(r)")
        r = try CLI.run(["upgrade", ws.file("v.kv")] + id, environment: alice)
        #expect(r.status == 5 && r.error.hasPrefix("refused: this file holds another vault"), "\(r)")
        r = try CLI.run(["list", ws.file("v.kv")], environment: alice)
        #expect(r.status == 0 && r.stderr.contains("warning: this file holds another vault"), "\(r)")
        #expect(try ws.read("v.kv") == evil)
    }
}

extension Array where Element == UInt8 {
    init?(hexString: String) {
        var out: [UInt8] = []
        var chars = Array(hexString.utf8)[...]
        while chars.count >= 2 {
            guard let b = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            chars = chars.dropFirst(2)
        }
        self = out
    }
}
