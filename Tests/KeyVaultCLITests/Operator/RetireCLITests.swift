// Issue 17, item 1: a key sealed by mistake is retired: out of restores, plans and drill coverage, kept in the vault
// and its log, and its bytes may then be sealed for the right role.
import Foundation
import Testing

@Suite struct RetireCLITests {
    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "restores on a named host need unshare --uts (root); CI runs as root"))
    func aKeySealedUnderTheWrongRoleIsRetiredAndSealedAgainRightly() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        let dwKey = try ws.key("DW01.bin")
        // The mistake: DW01's key sealed as an sm key.
        try #require(try ws.seal(role: "sm", host: "DW01", key: "DW01.bin").status == 0)
        var r = try ws.seal(role: "dw", host: "DW01", key: "DW01.bin")
        #expect(r.status == 2 && r.error.contains("already sealed as the sm key of DW01 (version 1)"), "the same-key rule holds until it is retired: \(r)")

        r = try CLI.run(["retire", v, "--role", "sm", "--host", "DW01", "--reason", "sealed under the wrong role"] + pass)
        #expect(r.status == 0 && r.stdout.hasPrefix("retired the sm key of DW01 (version 1)"), "\(r)")
        // Out of the listing (unless --all), out of restores; in the log with who, when and why.
        let listed = try VaultBytes.json(try CLI.run(["list", v, "--json"] + pass))
        #expect((listed["entries"] as? [[String: Any]])?.isEmpty == true, "\(listed)")
        let everything = try VaultBytes.json(try CLI.run(["list", v, "--json", "--all"] + pass))
        let retired = try #require((everything["entries"] as? [[String: Any]])?.first)
        #expect(retired["status"] as? String == "retired" && (retired["retired"] as? [String: Any])?["reason"] as? String == "sealed under the wrong role", "\(retired)")
        // The table names the status; a line under it says why.
        let table = try CLI.run(["list", v, "--all"] + pass)
        #expect(table.stdout.contains("\nretired: the sm key of DW01 (version 1), 20") && table.stdout.hasSuffix(": sealed under the wrong role\n"), "\(table)")
        let log = try VaultBytes.json(try CLI.run(["log", v, "--json"] + pass))
        let last = try #require((log["records"] as? [[String: Any]])?.last)
        #expect(last["action"] as? String == "retire" && last["outcome"] as? String == "ok: retired: sealed under the wrong role" && last["version"] as? Int == 1, "\(last)")
        // A drill still opens it, and says it is retired (it listed it as "ok" like any key a recovery would use).
        let drill = try CLI.run(["drill", v] + pass)
        #expect(drill.stdout.contains("ok       sm key of DW01 (version 1) (retired: restores and plans leave it out)"), "\(drill)")
        r = try CLI.run(["restore", v, "--role", "sm", "--out", ws.file("o.bin")] + pass, host: "DW01")
        #expect(r.status == 6 && r.error.hasPrefix("no sm key in this vault"), "a retired key is not restored: \(r)")
        r = try CLI.run(["retire", v, "--role", "sm", "--host", "DW01", "--reason", "again"] + pass)
        #expect(r.status == 6 && r.error == "no sm key of DW01 is in service in this vault (see 'keyvault list --all')", "\(r)")

        // Now the same bytes go in under the right role, and restore on DW01.
        r = try ws.seal(role: "dw", host: "DW01", key: "DW01.bin")
        #expect(r.status == 0 && r.stdout.hasPrefix("sealed the dw key of DW01 as version 1"), "\(r)")
        r = try CLI.run(["restore", v, "--role", "dw", "--out", ws.file("dw.bin")] + pass, host: "DW01")
        let restored = try ws.read("dw.bin")
        #expect(r.status == 0 && restored == dwKey, "\(r)")
        #expect(try CLI.run(["verify", v] + pass).status == 0, "the retired entry is still intact")
        // Invalid reasons are refused, nothing written.
        let before = try ws.read("vault.kv")
        r = try CLI.run(["retire", v, "--role", "dw", "--host", "DW01", "--reason", ""] + pass)
        #expect(r.status == 2 && r.error == "invalid reason: it is empty", "\(r)")
        #expect(try ws.read("vault.kv") == before)
    }

    /// A retired version asked for by number is named as retired, not as missing: "no version 2" would send the
    /// operator looking for a key that is in the vault.
    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "restores on a named host need unshare --uts (root); CI runs as root"))
    func aRetiredVersionAskedForIsNamedAsRetired() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        for n in 1...3 {
            _ = try ws.key("sm\(n).bin", size: 1296 + n)
            try #require(try ws.seal(role: "sm", host: "SM01", key: "sm\(n).bin").status == 0)
        }
        try #require(try CLI.run(["retire", v, "--role", "sm", "--host", "SM01", "--version", "2", "--reason", "the wrong file"] + pass).status == 0)
        let before = try ws.read("vault.kv")
        var r = try CLI.run(["restore", v, "--role", "sm", "--version", "2", "--out", ws.file("o.bin")] + pass, host: "SM01")
        #expect(
            r.status == 6 && r.error == "version 2 of the sm key of SM01 is retired, so no restore takes it ('keyvault list --all' shows why); versions in service: 1, 3",
            "\(r)")
        #expect(!ws.exists("o.bin"))
        #expect(try ws.read("vault.kv") == before)
        r = try CLI.run(["restore", v, "--role", "sm", "--version", "4", "--out", ws.file("o.bin")] + pass, host: "SM01")
        #expect(r.status == 6 && r.error == "no version 4 of the sm key of SM01 (versions in service: 1, 3; retired: 2)", "\(r)")
    }
}
