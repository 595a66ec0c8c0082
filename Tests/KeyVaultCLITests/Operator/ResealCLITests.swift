// Issue 17, item 5: sealing bytes that are already sealed for the same computer and role adds nothing; a new export
// password or label is put on the version that holds them.
import Foundation
import Testing

@Suite struct ResealCLITests {
    @Test func theSameBytesAddNothingAndANewPasswordOrLabelUpdatesTheirVersion() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        _ = try ws.key("sm01.bin"); _ = try ws.key("other.bin")
        try #require(try ws.seal(role: "sm", host: "SM01", key: "sm01.bin").status == 0)
        try #require(try ws.seal(role: "dw", host: "DW01", key: "other.bin", extra: ["--label", "untouched"]).status == 0)
        let dwBefore = try VaultBytes.json(try CLI.run(["list", v, "--json"] + pass))

        var r = try ws.seal(role: "sm", host: "sm01", key: "sm01.bin")
        #expect(r.status == 0 && r.stdout.hasPrefix("the same bytes are already sealed as version 1 of the sm key of SM01") && r.stdout.contains(": nothing was added"), "\(r)")
        // With a password and a label: both land on version 1, which still opens (its seal was made again).
        try ws.write(Array("SM01-export-password\n".utf8), to: "pw")
        r = try ws.seal(role: "sm", host: "SM01", key: "sm01.bin", extra: ["--key-password-file", ws.file("pw"), "--label", "re-exported 2026-12"])
        #expect(r.status == 0 && r.stdout.contains("nothing was added; updated its export password and label"), "\(r)")
        let after = try VaultBytes.json(try CLI.run(["list", v, "--json"] + pass))
        let entries = try #require(after["entries"] as? [[String: Any]])
        #expect(entries.count == 2, "no version was added: \(entries)")
        let sm = try #require(entries.first { $0["role"] as? String == "sm" })
        #expect(sm["version"] as? Int == 1 && sm["label"] as? String == "re-exported 2026-12" && sm["passwordEscrowed"] as? Bool == true, "\(sm)")
        let dw = try #require(entries.first { $0["role"] as? String == "dw" }), dwWas = try #require((dwBefore["entries"] as? [[String: Any]])?.first { $0["role"] as? String == "dw" })
        #expect(dw["label"] as? String == "untouched" && dw["fingerprint"] as? String == dwWas["fingerprint"] as? String)
        let drill = try CLI.run(["drill", v, "--json"] + pass)
        let drilled = try VaultBytes.json(drill)
        #expect(drill.status == 0 && drilled["healthy"] as? Bool == true, "every entry and password still opens: \(drill)")
        let log = try VaultBytes.json(try CLI.run(["log", v, "--json"] + pass))
        let outcomes = (log["records"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } ?? []
        #expect(outcomes.contains("ok: the same bytes are version 1; updated its export password and label"), "\(outcomes)")
        // The same password again changes nothing.
        r = try ws.seal(role: "sm", host: "SM01", key: "sm01.bin", extra: ["--key-password-file", ws.file("pw")])
        #expect(r.status == 0 && r.stdout.hasSuffix(": nothing was added\n"), "\(r)")
    }
}
