// Issue 17, item 2: a seal is checked against the inventory (computer and role), and a file that cannot be an
// exported key is questioned before it is sealed.
import Foundation
import Testing

@Suite struct SealChecksCLITests {
    @Test func aSealThatDisagreesWithTheInventoryIsRefusedUnlessAllowedAndLogged() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        for step in [
            ["inventory", "host", v, "--name", "DW01", "--fqdn", "dw01.corp.example", "--role", "dw"],
            ["inventory", "host", v, "--name", "SM01", "--role", "sm", "--primary"],
        ] {
            try #require(try CLI.run(step + pass).status == 0)
        }
        _ = try ws.key("k.bin")
        let before = try ws.read("vault.kv")
        // An sm key for DW01, which the inventory lists as dw.
        var r = try ws.seal(role: "sm", host: "DW01", key: "k.bin")
        #expect(
            r.status == 3
                && r.error
                    == "refused: the inventory lists DW01 as dw, not sm; check the role (each server's key belongs to its own role), record the role in the inventory first, or seal it anyway as not in the inventory (--not-in-inventory)",
            "\(r)")
        // A computer the inventory does not list.
        r = try ws.seal(role: "sm", host: "SM09", key: "k.bin")
        #expect(
            r.status == 3
                && r.error
                    == "refused: the inventory does not list SM09; record it first ('keyvault inventory host … --name SM09 --role sm'), check the name, or seal it anyway as not in the inventory (--not-in-inventory)",
            "\(r)")
        #expect(try ws.read("vault.kv") == before, "nothing was sealed")
        // Allowed on purpose: sealed, and the log says so.
        r = try ws.seal(role: "sm", host: "SM09", key: "k.bin", extra: ["--not-in-inventory"])
        #expect(r.status == 0, "\(r)")
        let log = try VaultBytes.json(try CLI.run(["log", v, "--json"] + pass))
        let last = try #require((log["records"] as? [[String: Any]])?.last)
        #expect((last["outcome"] as? String)?.hasSuffix("; outside the inventory (allowed on purpose)") == true, "\(last)")
        // What the inventory agrees with needs no flag: the FQDN is recorded under the inventory's name.
        _ = try ws.key("dw.bin")
        r = try ws.seal(role: "dw", host: "dw01.corp.example", key: "dw.bin")
        #expect(r.status == 0 && r.stdout.contains("sealed the dw key of DW01 as version 1") && r.stderr.contains("note: recorded under DW01"), "\(r)")
    }

    @Test func aFileThatCannotBeAnExportIsQuestioned() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let before = try ws.read("vault.kv")
        try ws.write(Array("Pa55word-for-SM01\n".utf8), to: "sm01.pw")
        try ws.write(Array(repeating: 0xA5, count: 20), to: "tiny.bin")
        var r = try ws.seal(role: "sm", host: "SM01", key: "sm01.pw")
        #expect(
            r.status == 2 && r.error == "key file \(ws.file("sm01.pw")) is plain text, not an exported key (a .bin from SecureStorageBackup.exe); is it the right file? --force seals it anyway", "\(r)"
        )
        let words = r.error.replacingOccurrences(of: ws.file("sm01.pw"), with: "FILE")
        #expect(!words.contains("18") && !words.contains("17"), "no length is given away: \(words)")
        r = try ws.seal(role: "sm", host: "SM01", key: "tiny.bin")
        #expect(
            r.status == 2
                && r.error
                    == "key file \(ws.file("tiny.bin")) is smaller than any exported key, not an exported key (a .bin from SecureStorageBackup.exe); is it the right file? --force seals it anyway",
            "\(r)")
        // Another vault (a copy of this one, here) given as the key file.
        try ws.write(before, to: "other.kv")
        r = try ws.seal(role: "sm", host: "SM01", key: "other.kv")
        #expect(
            r.status == 2
                && r.error
                    == "key file \(ws.file("other.kv")) is a keyvault vault, not an exported key (a .bin from SecureStorageBackup.exe); is it the right file? --force seals it anyway",
            "\(r)")
        #expect(try ws.read("vault.kv") == before)
        r = try ws.seal(role: "sm", host: "SM01", key: "tiny.bin", extra: ["--force"])
        #expect(r.status == 0, "\(r)")
    }
}
