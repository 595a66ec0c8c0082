// The host rule, proven with real host names: each restore runs in its own UTS namespace (unshare --uts, as root).
import Foundation
import Testing

@Suite(.serialized, .namedHosts) struct HostRuleCLITests {
    /// (name sealed with, name of the computer restoring, whether the rule lets it restore)
    static let cases: [(String, String, Bool)] = [
        ("SM01", "SM01", true),
        ("SM01", "sm01", true),  // case-insensitive
        ("SM01", "sm01.corp.example", true),  // a short name matches an FQDN with the same first label
        ("SM01.corp.example", "sm01", true),
        ("sm01.corp.example.", "SM01.CORP.EXAMPLE", true),  // a trailing dot is ignored
        ("dw01.contoso.com", "dw01.other.example", false),  // both carry a domain: the domains must match
        ("SM01", "SM02", false),
        ("SM01", "SM01X", false),
        ("SM01", "sm0", false),
        ("SM01.corp.example", "sm01-corp", false),
    ]

    @Test(arguments: cases)
    func restoreFollowsTheOperatingSystemsHostName(sealedAs: String, restoringOn: String, allowed: Bool) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let key = try ws.key("sm.bin")
        #expect(try ws.seal(role: "sm", host: sealedAs, key: "sm.bin").status == 0)
        let before = try ws.read("vault.kv")
        let listBefore = try CLI.run(["list", ws.file("vault.kv"), "--json"]).stdout
        let r = try CLI.run(
            [
                "restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("out.bin"),
                "--passphrase-file", ws.file("pass"),
            ], host: restoringOn)
        if allowed {
            #expect(r.status == 0, "\(r)")
            #expect(try ws.read("out.bin") == key)
            #expect(try ws.mode("out.bin") == 0o600)
            let recorded = sealedAs.hasSuffix(".") ? String(sealedAs.dropLast()) : sealedAs  // stored without the dot
            #expect(r.stdout.contains("restored the sm key of \(recorded) (version 1"), "\(r)")
        } else {
            #expect(r.status == 3, "\(r)")
            #expect(r.error == "refused: the sm key in this vault belongs to \(sealedAs), but this computer is \(restoringOn); a key restores only onto a computer with the name it was exported from")
            #expect(!ws.exists("out.bin"))
        }
        // A refusal writes nothing; a restore records itself in the vault's audit log (issue 6), entries unchanged.
        if allowed {
            #expect(try CLI.run(["list", ws.file("vault.kv"), "--json"]).stdout == listBefore)
        } else {
            #expect(try ws.read("vault.kv") == before)
        }
    }

    /// NetBIOS names (issue 11 item 8): Windows cuts a computer name longer than 15 characters to its first 15 for
    /// NetBIOS, and either form may be recorded or reported. (name sealed with, name restoring, allowed)
    static let netBIOSCases: [(String, String, Bool)] = [
        ("averyveryverylongname", "AVERYVERYVERYLO", true),  // recorded long, host reports the cut form
        ("AVERYVERYVERYLO", "averyveryverylongname.corp.example", true),  // recorded cut, host reports its FQDN
        ("AVERYVERYVERYLO", "averyveryverylongname", true),
        ("averyveryverylongname", "AVERYVERYVERYLX", false),  // a 15-character name that is not the cut
        ("averyveryverylongname", "averyveryverylongnamf", false),  // differs after character 15
        ("averyveryverylo.corp.example", "averyveryverylongname", false),  // 15 characters with a domain: a DNS name
        ("DW01", "dw01x", false),  // shorter than 15: never a prefix
    ]

    @Test(arguments: netBIOSCases)
    func netBIOSNameAndLongNameAreOneComputer(sealedAs: String, restoringOn: String, allowed: Bool) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let key = try ws.key("dw.bin", size: 1424)
        #expect(try ws.seal(role: "dw", host: sealedAs, key: "dw.bin").status == 0)
        let before = try ws.read("vault.kv")
        let r = try CLI.run(
            [
                "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin"),
                "--passphrase-file", ws.file("pass"),
            ], host: restoringOn)
        if allowed {
            #expect(r.status == 0, "\(r)")
            #expect(try ws.read("out.bin") == key)
            #expect(r.stdout.contains("restored the dw key of \(sealedAs) (version 1"), "\(r)")
        } else {
            #expect(r.status == 3, "\(r)")
            #expect(r.error == "refused: the dw key in this vault belongs to \(sealedAs), but this computer is \(restoringOn); a key restores only onto a computer with the name it was exported from")
            #expect(!ws.exists("out.bin"))
            #expect(try ws.read("vault.kv") == before)
        }
    }

    @Test func versionsCountAcrossANetBIOSNameAndItsLongName() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let v1 = try ws.key("k1.bin", size: 1424), v2 = try ws.key("k2.bin", size: 1424)
        let first = try ws.seal(role: "dw", host: "averyveryverylongname", key: "k1.bin")
        #expect(first.status == 0 && first.stdout.contains("as version 1 "), "\(first)")
        // The same computer under its NetBIOS name: the next version, not a second version 1.
        let second = try ws.seal(role: "dw", host: "AVERYVERYVERYLO", key: "k2.bin")
        #expect(second.status == 0 && second.stdout.contains("as version 2 "), "\(second)")
        let pass = ["--passphrase-file", ws.file("pass")]
        let newest = try CLI.run(
            ["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("newest")] + pass,
            host: "averyveryverylongname.corp.example")
        #expect(newest.status == 0, "\(newest)")
        #expect(try ws.read("newest") == v2)
        let older = try CLI.run(
            ["restore", ws.file("vault.kv"), "--role", "dw", "--version", "1", "--out", ws.file("older")] + pass,
            host: "AVERYVERYVERYLO")
        #expect(older.status == 0, "\(older)")
        #expect(try ws.read("older") == v1)
    }

    @Test func refusalComesBeforeThePassphraseIsAsked() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("dw.bin")
        #expect(try ws.seal(role: "dw", host: "DW01", key: "dw.bin").status == 0)
        // No passphrase file and no terminal: the rule answers first, so the refusal (3) is what the operator sees.
        let r = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin")], host: "SM01")
        #expect(r.status == 3, "\(r)")
        #expect(!ws.exists("out.bin"))
    }

    @Test func rolesAreNeverInterchangeable() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let sm = try ws.key("sm.bin"), dw = try ws.key("dw.bin", size: 1424)
        #expect(try ws.seal(role: "sm", host: "SM01", key: "sm.bin").status == 0)
        #expect(try ws.seal(role: "dw", host: "DW01", key: "dw.bin").status == 0)
        let pass = ["--passphrase-file", ws.file("pass")]
        // On SM01, only the sm key comes back; asking for dw there is refused (the dw key belongs to DW01).
        let dwOnSM = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("x.bin")] + pass, host: "SM01")
        #expect(dwOnSM.status == 3 && dwOnSM.error.contains("the dw key in this vault belongs to DW01, but this computer is SM01"), "\(dwOnSM)")
        let smOnSM = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("sm.out")] + pass, host: "SM01")
        #expect(smOnSM.status == 0, "\(smOnSM)")
        #expect(try ws.read("sm.out") == sm)
        let dwOnDW = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("dw.out")] + pass, host: "DW01")
        #expect(dwOnDW.status == 0, "\(dwOnDW)")
        #expect(try ws.read("dw.out") == dw)
        let smOnDW = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("y.bin")] + pass, host: "DW01")
        #expect(smOnDW.status == 3, "\(smOnDW)")
        #expect(!ws.exists("x.bin") && !ws.exists("y.bin"))
    }

    @Test func versionsAreKeptAndTheNewestRestoresByDefault() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let v1 = try ws.key("k1.bin"), v2 = try ws.key("k2.bin"), v3 = try ws.key("k3.bin")
        for (n, name) in ["k1.bin", "k2.bin", "k3.bin"].enumerated() {
            let r = try ws.seal(role: "sm", host: "SM01", key: name, extra: ["--label", "export \(n + 1)"])
            #expect(r.status == 0 && r.stdout.contains("as version \(n + 1) "), "\(r)")
        }
        let pass = ["--passphrase-file", ws.file("pass")]
        #expect(try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("newest")] + pass, host: "SM01").status == 0)
        #expect(try ws.read("newest") == v3)
        for (n, bytes) in [v1, v2, v3].enumerated() {
            let r = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--version", "\(n + 1)", "--out", ws.file("v\(n + 1)")] + pass, host: "SM01")
            #expect(r.status == 0, "\(r)")
            #expect(try ws.read("v\(n + 1)") == bytes)
        }
        let missing = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--version", "4", "--out", ws.file("v4")] + pass, host: "SM01")
        #expect(missing.status == 6 && missing.error == "no version 4 of the sm key of SM01 (versions: 1, 2, 3)", "\(missing)")
        let noDW = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("dw")] + pass, host: "SM01")
        #expect(noDW.status == 6, "\(noDW)")
        #expect(!ws.exists("v4") && !ws.exists("dw"))
    }

    @Test func restoreNeverReplacesAFileUnlessForced() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let key = try ws.key("sm.bin")
        #expect(try ws.seal(role: "sm", host: "SM01", key: "sm.bin").status == 0)
        let precious = try ws.write(Array("do not lose me".utf8), to: "existing.bin")
        let pass = ["--passphrase-file", ws.file("pass")]
        let refused = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", precious] + pass, host: "SM01")
        #expect(refused.status == 2 && refused.error == "output file \(precious) already exists; pass --force to replace it", "\(refused)")
        #expect(try ws.read("existing.bin") == Array("do not lose me".utf8))
        let forced = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", precious, "--force"] + pass, host: "SM01")
        #expect(forced.status == 0, "\(forced)")
        #expect(try ws.read("existing.bin") == key)
        #expect(try ws.mode("existing.bin") == 0o600)
        // No temporary file is left beside it.
        #expect(try ws.listing() == ["existing.bin", "pass", "sm.bin", "vault.kv"])
        let stdout = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", "-"] + pass, host: "SM01")
        #expect(stdout.status == 2 && stdout.error.hasPrefix("keys are written only to files"), "\(stdout)")
    }

    @Test func restoreNeverReplacesAFolderEvenForced() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("sm.bin")
        #expect(try ws.seal(role: "sm", host: "SM01", key: "sm.bin").status == 0)
        let folder = ws.file("keys")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try ws.write(Array("kept".utf8), to: "keys/inside.txt")
        for extra in [[], ["--force"]] {
            let r = try CLI.run(
                ["restore", ws.file("vault.kv"), "--role", "sm", "--out", folder, "--passphrase-file", ws.file("pass")] + extra,
                host: "SM01")
            #expect(r.status == 2 && r.error == "output file \(folder) is a folder; name a file to write", "\(r)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty, "\(r)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["inside.txt"])
            #expect(try ws.listing() == ["keys", "pass", "sm.bin", "vault.kv"])
        }
    }
}
