// A scripted outage (issue 6): inventory, plans for each failed host against the domain rules, a promotion, drills on
// healthy and damaged vaults, an escrowed password restored, the audit log inspected and then edited by hand.
import Foundation
import Testing
import KeyVaultTestSupport

/// Helpers for JSON output and for editing a vault's bytes like an attacker would (with the unkeyed checksum fixed).
enum VaultBytes {
    static func json(_ r: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
    }

    /// Runs a Python snippet on the vault file: `edit(b)` gets the bytes (bytearray) and returns the new bytes;
    /// helpers parse the header (docs/FORMAT.md) so that edits can target the audit log's records.
    static func edit(_ path: String, _ body: String) throws {
        let script = """
            import hashlib, struct, sys
            path = sys.argv[1]
            b = bytearray(open(path, 'rb').read())
            def u16(o): return struct.unpack('>H', b[o:o+2])[0]
            def u32(o): return struct.unpack('>I', b[o:o+4])[0]
            hs = u32(12)
            def ext_start():
                o = 40
                n = b[o]; o += 1
                if u16(10) & 1: o += 1
                for _ in range(n): o += 3 + u16(o + 1)
                count = u32(o); o += 4
                for _ in range(count): o += 2 + u16(o) + 24
                return o
            def sections():
                o = ext_start(); n = b[o]; o += 1; out = []
                for _ in range(n):
                    out.append((b[o], o, o + 5, u32(o + 1))); o += 5 + u32(o + 1)
                return out
            def log_items():
                t, at, body, length = [s for s in sections() if s[0] == 6][0]
                o = body + 8 + 32; count = u32(o); o += 4; items = []
                for _ in range(count): items.append((o, 2 + u16(o))); o += 2 + u16(o)
                return at, body, count, items
            def fix_checksum(data):
                h = struct.unpack('>I', bytes(data[12:16]))[0]
                data[h-64:h-32] = hashlib.blake2b(bytes(data[:h-64]), digest_size=32).digest()
                return data
            \(body)
            open(path, 'wb').write(bytes(fix_checksum(b)))
            """
        let r = try CLI.execute(["/usr/bin/python3", "-c", script, path])
        guard r.status == 0 else { throw WorkspaceError(message: "python edit failed: \(r)") }
    }
}

@Suite(.serialized) struct OutageCLITests {
    let ws: Workspace
    var vault: String { ws.file("vault.kv") }
    var pass: [String] { ["--passphrase-file", ws.file("pass")] }

    init() throws { ws = try Workspace() }

    /// The management group of the scenario: primary SM01, additional SM02, DW01, SQL01 (ServiceManager) and SQL02
    /// (the warehouse databases), and a Self-Service Portal whose key was never sealed.
    /// `format`: the vault's format version ("1" for the tests that edit its bytes as version 1 lays them out).
    func buildScenario(format: String? = nil) throws {
        try ws.initVault(extra: format.map { ["--format", $0] } ?? [])
        _ = try ws.key("sm01.bin"); _ = try ws.key("sm02.bin", size: 1200); _ = try ws.key("dw01.bin", size: 1424)
        try ws.write(Array("SM01-export-password\n".utf8), to: "sm01.pw")
        try ws.write(Array("DW01-export-password\n".utf8), to: "dw01.pw")
        #expect(try ws.seal(role: "sm", host: "SM01", key: "sm01.bin", extra: ["--key-password-file", ws.file("sm01.pw")]).status == 0)
        #expect(try ws.seal(role: "sm", host: "SM02", key: "sm02.bin").status == 0)
        #expect(try ws.seal(role: "dw", host: "DW01", key: "dw01.bin", extra: ["--key-password-file", ws.file("dw01.pw")]).status == 0)
        // The product version is recorded after the keys were sealed: SM01's backup predates it.
        Thread.sleep(forTimeInterval: 1.1)
        let steps: [[String]] = [
            ["inventory", "group", vault, "--name", "MG-CONTOSO"],
            ["inventory", "host", vault, "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary", "--product-version", "10.22.1068.0"],
            ["inventory", "host", vault, "--name", "SM02", "--fqdn", "sm02.corp.example", "--role", "sm", "--additional"],
            ["inventory", "host", vault, "--name", "DW01", "--fqdn", "dw01.corp.example", "--role", "dw", "--os", "other"],
            ["inventory", "host", vault, "--name", "SSP01", "--role", "ssp"],
            ["inventory", "host", vault, "--name", "SQL01", "--role", "sql"],
            ["inventory", "host", vault, "--name", "SQL02", "--role", "sql"],
            ["inventory", "database", vault, "--name", "ServiceManager", "--sql-host", "SQL01", "--instance", "SMINST"],
            ["inventory", "database", vault, "--name", "DWStagingAndConfig", "--sql-host", "SQL02", "--instance", "DWINST"],
            ["inventory", "database", vault, "--name", "DWRepository", "--sql-host", "SQL02", "--instance", "DWINST"],
            ["inventory", "database", vault, "--name", "DWDataMart", "--sql-host", "SQL02", "--instance", "DWINST"],
        ]
        for step in steps {
            let r = try CLI.run(step + pass)
            #expect(r.status == 0, "\(step): \(r)")
        }
    }

    func plan(_ host: String) throws -> [String: Any] {
        let r = try CLI.run(["plan", vault, "--failed", host, "--json"])
        #expect(r.status == 0, "\(r)")
        return try VaultBytes.json(r)
    }

    func ways(_ plan: [String: Any]) -> [[String: Any]] { plan["ways"] as? [[String: Any]] ?? [] }
    func steps(_ way: [String: Any]) -> [[String: Any]] { way["steps"] as? [[String: Any]] ?? [] }
    func texts(_ way: [String: Any]) -> [String] { steps(way).compactMap { $0["text"] as? String } }
    func commands(_ way: [String: Any]) -> [String] { steps(way).compactMap { $0["command"] as? String } }
    func warnings(_ plan: [String: Any]) -> [String] { plan["warnings"] as? [String] ?? [] }

    @Test func inventoryAndPlansFollowTheRecoveryRules() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let inventory = try VaultBytes.json(try CLI.run(["inventory", vault, "--json"]))
        #expect(inventory["managementGroup"] as? String == "MG-CONTOSO")
        let hosts = try #require(inventory["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["name"] as? String } == ["SM01", "SM02", "DW01", "SSP01", "SQL01", "SQL02"])
        #expect(hosts[0]["smPosition"] as? String == "primary" && hosts[1]["smPosition"] as? String == "additional")
        #expect(hosts[0]["fqdn"] as? String == "sm01.corp.example" && hosts[0]["productVersion"] as? String == "10.22.1068.0")
        #expect((inventory["databases"] as? [[String: Any]])?.count == 4)
        // Windows is the default for sm, dw and ssp hosts (issue 16); DW01 was recorded as --os other.
        #expect(hosts.map { $0["os"] as? String } == ["windows", "windows", "other", "windows", nil, nil])

        // The primary SM server: two ways, promote (FQDN and stored procedure filled in) or rebuild with the key first.
        let sm01 = try plan("SM01")
        #expect(ways(sm01).map { $0["kind"] as? String } == ["promote", "rebuild"])
        let promote = ways(sm01)[0]
        #expect(texts(promote).contains("Against the ServiceManager database on SQL01\\SMINST, run: EXEC dbo.p_PromoteActiveWorkflowServer 'sm02.corp.example'"), "\(texts(promote))")
        // Every command carries the vault's unlock option, as the restores do: run as printed, without a terminal, they
        // stopped at "no passphrase given".
        #expect(commands(promote).contains("keyvault promote \(vault) --host SM02 --passphrase-file PASSPHRASE-FILE"))
        #expect(commands(promote).allSatisfy { $0.hasSuffix(" --passphrase-file PASSPHRASE-FILE") }, "\(commands(promote))")
        // The new additional server is recorded before its key is sealed: a vault with an inventory refuses a seal for a
        // computer it does not list, so the seal as printed failed (exit 3) without it.
        let record = try #require(commands(promote).firstIndex { $0.hasPrefix("keyvault inventory host \(vault) --name NEWNAME") })
        let seal = try #require(commands(promote).firstIndex { $0.hasPrefix("keyvault seal \(vault) --role sm --host NEWNAME") })
        #expect(record < seal, "\(commands(promote))")
        #expect(texts(promote).contains { $0.contains("clear the health-service state") })
        let rebuild = ways(sm01)[1]
        let restoreAt = try #require(steps(rebuild).firstIndex { ($0["command"] as? String)?.hasPrefix("keyvault restore") == true })
        let setupAt = try #require(texts(rebuild).firstIndex { $0.contains("Setup") && $0.contains("existing ServiceManager database on SQL01\\SMINST") })
        #expect(restoreAt < setupAt, "the key is restored before Setup runs")
        // A Windows host (the default for sm): restored over SSH from the escrow box, runnable as printed (the
        // vault's credential option is in the command).
        #expect(
            commands(rebuild).contains(
                "keyvault restore \(vault) --role sm --to ssh://sm01.corp.example/C:/keyvault/SM01-sm.bin --passphrase-file PASSPHRASE-FILE --key-password-to ssh://sm01.corp.example/C:/keyvault/SM01-sm.password"
            ), "\(commands(rebuild))")
        #expect(
            texts(rebuild).contains { $0.hasPrefix("On SM01, import C:\\keyvault\\SM01-sm.bin with the Encryption Key Backup or Restore Wizard") && $0.contains("Remove-Item C:\\keyvault\\SM01-sm.*") }
        )
        #expect(texts(rebuild)[0].contains("same computer name SM01 (sm01.corp.example)"))
        // The product version was recorded after the key was sealed, but for the first time: no upgrade, no warning.
        #expect(warnings(sm01).isEmpty, "\(warnings(sm01))")
        // An upgrade recorded later: the older backup is flagged, with what was recorded when.
        #expect(try CLI.run(["inventory", "host", vault, "--name", "SM01", "--product-version", "10.25.1000.0"] + pass).status == 0)
        let upgraded = try plan("SM01")
        #expect(warnings(upgraded).count == 1 && warnings(upgraded)[0].contains("was sealed before the product version recorded for SM01 changed to 10.25.1000.0"), "\(warnings(upgraded))")
        #expect(!warnings(upgraded)[0].contains("invalidate"), "no claim without a Microsoft source (docs/SOURCES.md)")

        // The additional SM server: rebuilt under its own name with its own key; its password was not escrowed.
        let sm02 = try plan("sm02.corp.example")
        #expect(sm02["failed"] as? String == "SM02")
        #expect(ways(sm02).map { $0["kind"] as? String } == ["rebuild"])
        #expect(commands(ways(sm02)[0]).contains("keyvault restore \(vault) --role sm --to ssh://sm02.corp.example/C:/keyvault/SM02-sm.bin --passphrase-file PASSPHRASE-FILE"))
        #expect(warnings(sm02) == ["the export password of the sm key of SM02 (version 1) is not escrowed: SecureStorageBackup.exe will ask for it, and a lost password cannot be recovered"])

        // DW: one way only, same name, key restored, Setup with the existing DWStagingAndConfig and the Reporting Server URL.
        // DW01 is recorded as not Windows: the local form, keyvault run on DW01 itself.
        let dw = try plan("DW01")
        #expect(ways(dw).count == 1 && ways(dw)[0]["kind"] as? String == "rebuild" && ways(dw)[0]["role"] as? String == "dw")
        #expect(commands(ways(dw)[0]) == ["keyvault restore \(vault) --role dw --out DW01-dw.bin --passphrase-file PASSPHRASE-FILE --key-password-out DW01-dw.password"])
        #expect(texts(ways(dw)[0]).contains { $0.contains("existing DWStagingAndConfig database on SQL02\\DWINST") && $0.contains("original Reporting Server URL") })
        // The Reporting Server URL is not recorded here: a warning says so (it was only inside a step's text).
        #expect(
            warnings(dw) == [
                "the original Reporting Server URL is not recorded, and DW Setup must be given it (Microsoft: \"You must use the original URL for the Reporting Server\"): keyvault inventory group \(vault) --reporting-url URL"
            ], "\(warnings(dw))")

        // Database hosts: the same computer name and the same instance name.
        let sql01 = try plan("SQL01")
        #expect(ways(sql01).map { $0["kind"] as? String } == ["databases"])
        #expect(texts(ways(sql01)[0]).contains { $0.contains("same instance name SMINST") && $0.contains("ServiceManager") })
        #expect(texts(ways(sql01)[0])[0].contains("same computer name SQL01"))
        let sql02 = try plan("SQL02")
        #expect(texts(ways(sql02)[0]).contains { $0.contains("same instance name DWINST") && $0.contains("DWStagingAndConfig, DWRepository, DWDataMart") })
        #expect(commands(ways(sql02)[0]).isEmpty, "no key is restored for a database host")
        // The permissions script Microsoft asks for is a step; no step starts services no earlier step stopped.
        #expect(texts(ways(sql02)[0]).last?.hasPrefix("Restore the permissions of the recreated databases with the script you saved") == true, "\(texts(ways(sql02)[0]))")
        #expect(!texts(ways(sql02)[0]).contains { $0.contains("Start the") }, "\(texts(ways(sql02)[0]))")

        // A Self-Service Portal whose key was never sealed: the plan warns.
        let ssp = try plan("SSP01")
        #expect(warnings(ssp).contains { $0.hasPrefix("no ssp key backup of SSP01 in this vault") }, "\(warnings(ssp))")

        // The text form, and a computer the vault knows nothing about.
        let text = try CLI.run(["plan", vault, "--failed", "SM01"])
        #expect(text.status == 0 && text.stdout.contains("Way 1: Promote the additional SM server SM02") && text.stdout.contains("Way 2: Rebuild"), "\(text)")
        let unknown = try CLI.run(["plan", vault, "--failed", "WEB07"])
        #expect(unknown.status == 6 && unknown.error.hasPrefix("nothing is recorded about WEB07 in this vault"), "\(unknown)")
        let invalid = try CLI.run(["plan", vault, "--failed", "bad name"])
        #expect(invalid.status == 2, "\(invalid)")
    }

    @Test func promotionMovesNoKeyAndMarksTheFormerPrimary() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let before = try VaultBytes.json(try CLI.run(["list", vault, "--json"]))
        let r = try CLI.run(["promote", vault, "--host", "SM02"] + pass)
        #expect(r.status == 0 && r.stdout.contains("SM02 is now the primary SM server; SM01 is marked former primary"), "\(r)")
        let after = try VaultBytes.json(try CLI.run(["list", vault, "--json"]))
        let b = try #require(before["entries"] as? [[String: Any]]), a = try #require(after["entries"] as? [[String: Any]])
        // Every entry is still there with the same key (fingerprint); SM01's are marked, none moved to SM02.
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x["fingerprint"] as? String == y["fingerprint"] as? String && x["host"] as? String == y["host"] as? String)
        }
        #expect(a.map { $0["status"] as? String } == ["former-primary", nil, nil])
        let list = try CLI.run(["list", vault])
        #expect(list.stdout.contains("former primary"), "\(list)")
        let inventory = try VaultBytes.json(try CLI.run(["inventory", vault, "--json"]))
        let hosts = try #require(inventory["hosts"] as? [[String: Any]])
        #expect(hosts[0]["smPosition"] as? String == "former-primary" && hosts[1]["smPosition"] as? String == "primary")

        // Refusals: the former primary, a non-SM host and an unknown one; nothing is written.
        let bytes = try ws.read("vault.kv")
        let again = try CLI.run(["promote", vault, "--host", "SM01"] + pass)
        #expect(again.status == 2 && again.error == "refused: SM01 is the former primary SM server; only an additional SM server can be promoted", "\(again)")
        let dw = try CLI.run(["promote", vault, "--host", "DW01"] + pass)
        #expect(dw.status == 2 && dw.error == "refused: DW01 is not an SM server; only an additional SM server can be promoted", "\(dw)")
        let nobody = try CLI.run(["promote", vault, "--host", "SM09"] + pass)
        #expect(nobody.status == 6 && nobody.error.hasPrefix("no host SM09 in the inventory"), "\(nobody)")
        #expect(try ws.read("vault.kv") == bytes)

        // The new primary has no additional server to fall back on: the plan says so.
        let sm02 = try plan("SM02")
        #expect(ways(sm02).map { $0["kind"] as? String } == ["rebuild"])
        #expect(warnings(sm02).contains { $0.contains("no additional SM server is recorded") })
        let log = try VaultBytes.json(try CLI.run(["log", vault, "--json"] + pass))
        let records = try #require(log["records"] as? [[String: Any]])
        #expect(records.contains { $0["action"] as? String == "promote" && $0["host"] as? String == "SM02" })
    }

    @Test(.namedHosts) func theFormerPrimarysKeyStillRestoresOnItAfterAPromotion() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let r = try CLI.run(["promote", vault, "--host", "SM02"] + pass)
        #expect(r.status == 0, "\(r)")
        let restored = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm01.out")] + pass, host: "SM01")
        #expect(restored.status == 0, "\(restored)")
        #expect(try ws.read("sm01.out") == ws.read("sm01.bin"))
    }

    @Test func drillsRecordTheirResultAndFailLoudlyOnDamage() throws {
        defer { ws.cleanUp() }
        try buildScenario(format: "1")  // version 1: its last byte is the last sealed key's
        let healthy = try CLI.run(["drill", vault] + pass)
        #expect(healthy.status == 0, "\(healthy)")
        #expect(healthy.stdout.contains("ok       sm key of SM01 (version 1), export password escrowed"))
        #expect(healthy.stdout.contains("3 of 3 entries open; healthy"))
        let listed = try VaultBytes.json(try CLI.run(["list", vault, "--json"]))
        let drills = try #require(listed["entries"] as? [[String: Any]]).map { $0["lastDrill"] as? [String: Any] }
        #expect(drills.allSatisfy { $0?["ok"] as? Bool == true }, "\(listed)")
        let json = try VaultBytes.json(try CLI.run(["drill", vault, "--json"] + pass))
        #expect(json["healthy"] as? Bool == true && json["recorded"] as? Bool == true)

        // Damage the last sealed key (the dw key's last byte): the drill names it, exits 5, and records the failure.
        var bytes = try ws.read("vault.kv")
        bytes[bytes.count - 1] ^= 0x01
        try ws.write(bytes, to: "vault.kv")
        let damaged = try CLI.run(["drill", vault] + pass)
        #expect(damaged.status == 5, "\(damaged)")
        #expect(damaged.stdout.contains("FAILED   dw key of DW01 (version 1): vault damaged or tampered with: the dw key of DW01 (version 1) fails authentication"), "\(damaged)")
        #expect(damaged.stdout.contains("2 of 3 entries open; 1 problem"))
        #expect(damaged.error == "drill found 1 problem: dw key of DW01 (version 1): vault damaged or tampered with: the dw key of DW01 (version 1) fails authentication", "\(damaged)")
        let list = try CLI.run(["list", vault])
        let dwLine = list.stdout.split(separator: "\n").first { $0.hasPrefix("dw ") } ?? ""
        #expect(dwLine.contains("FAILED"), "\(list)")
        let log = try VaultBytes.json(try CLI.run(["log", vault, "--json"] + pass))
        let last = try #require((log["records"] as? [[String: Any]])?.last)
        #expect(last["action"] as? String == "drill" && (last["outcome"] as? String)?.hasPrefix("failed: 1 problem") == true, "\(last)")

        // A damaged header: the drill still reports (exit 5) and says it could not record itself.
        var header = try ws.read("vault.kv")
        header[45] ^= 0x01
        try ws.write(header, to: "vault.kv")
        let broken = try CLI.run(["drill", vault] + pass)
        #expect(broken.status == 5, "\(broken)")
        #expect(try ws.read("vault.kv") == header)
    }

    @Test(.namedHosts) func anEscrowedPasswordComesBackOnlyToAFileOnTheRightHost() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let r = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm.out"), "--key-password-out", ws.file("sm.pw.out")] + pass, host: "SM01")
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("sm.pw.out") == Array("SM01-export-password".utf8))
        #expect(try ws.mode("sm.pw.out") == 0o600 && ws.mode("sm.out") == 0o600)
        #expect(!r.stdout.contains("SM01-export-password") && !r.stderr.contains("SM01-export-password"))
        #expect(r.stdout.contains("wrote its export password to \(ws.file("sm.pw.out")) (mode 0600)"))

        // Never over an existing file without --force; never to a pipe; not for an entry without one; not on another host.
        let exists = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm2.out"), "--key-password-out", ws.file("sm.pw.out")] + pass, host: "SM01")
        #expect(exists.status == 2 && !ws.exists("sm2.out"), "\(exists)")
        let shown = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm3.out"), "--show-key-password"] + pass, host: "SM01")
        #expect(shown.status == 2 && shown.error.hasPrefix("--show-key-password prints the export password only on a terminal"), "\(shown)")
        #expect(!ws.exists("sm3.out") && !shown.stdout.contains("SM01-export-password"))
        let none = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm4.out"), "--key-password-out", ws.file("sm4.pw")] + pass, host: "SM02")
        #expect(none.status == 6 && none.error == "no export password is escrowed for the sm key of SM02 (version 1); restore without --key-password-out or --show-key-password", "\(none)")
        #expect(!ws.exists("sm4.out") && !ws.exists("sm4.pw"))
        let wrongHost = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("sm5.out"), "--key-password-out", ws.file("sm5.pw")] + pass, host: "DW01")
        #expect(wrongHost.status == 3 && !ws.exists("sm5.pw"), "\(wrongHost)")

        // The restore is in the log, with who did it and where.
        let log = try VaultBytes.json(try CLI.run(["log", vault, "--json"] + pass))
        let restores = try #require(log["records"] as? [[String: Any]]).filter { $0["action"] as? String == "restore" }
        #expect(restores.count == 1, "\(log)")
        #expect(restores.first?["machine"] as? String == "SM01" && restores.first?["user"] as? String == "root")
        #expect((restores.first?["outcome"] as? String)?.hasPrefix("ok: restored on SM01") == true)
    }

    @Test(.namedHosts, .tool("/usr/bin/script")) func theExportPasswordIsShownOnlyOnATerminal() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        // script(1) gives keyvault a real terminal as standard output; the restore runs on a computer named SM01.
        let inner =
            [
                "/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname SM01 && exec \"$@\"", "x", CLI.binary, "restore", vault,
                "--role", "sm", "--out", ws.file("tty.bin"), "--show-key-password",
            ] + pass
        let r = try CLI.execute(["/usr/bin/script", "-qec", inner.map { "'\($0)'" }.joined(separator: " "), "/dev/null"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("export password: SM01-export-password"), "\(r)")
        #expect(try ws.read("tty.bin") == ws.read("sm01.bin"))
        let log = try VaultBytes.json(try CLI.run(["log", vault, "--json"] + pass))
        let last = try #require((log["records"] as? [[String: Any]])?.last)
        #expect((last["outcome"] as? String)?.hasSuffix("export password shown on the terminal") == true, "\(last)")
        #expect(!(last["outcome"] as? String ?? "").contains("SM01-export-password"))
    }

    @Test func drillsReportCoverageGapsAndStrictDrillsFailOnThem() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        // SSP01 is in the inventory with no key; SM02's key has no escrowed export password.
        let noKey = "no ssp key for SSP01, which the inventory lists as Self-Service Portal: seal its exported key (keyvault seal --role ssp --host SSP01)"
        let noPassword = "the sm key of SM02 (version 1) has no escrowed export password: a lost password cannot be recovered (keyvault seal … --key-password-file)"
        let text = try CLI.run(["drill", vault] + pass)
        #expect(text.status == 0, "gaps are warnings by default: \(text)")
        #expect(text.stdout.contains("WARNING coverage: \(noKey)") && text.stdout.contains("WARNING coverage: \(noPassword)"), "\(text)")
        let json = try VaultBytes.json(try CLI.run(["drill", vault, "--json"] + pass))
        let coverage = try #require(json["coverage"] as? [[String: Any]])
        #expect(coverage.map { $0["kind"] as? String } == ["no-key", "no-password"], "\(coverage)")
        #expect(coverage[0]["host"] as? String == "SSP01" && coverage[0]["role"] as? String == "ssp")
        #expect(coverage[1]["host"] as? String == "SM02" && coverage[1]["version"] as? Int == 1)
        let strict = try CLI.run(["drill", vault, "--strict"] + pass)
        #expect(strict.status == 5 && strict.error == "drill found 2 coverage gaps (--strict): \(noKey) and 1 more", "\(strict)")
        #expect(strict.stdout.contains("FAILED  coverage: \(noPassword)"), "\(strict)")
        #expect(strict.stdout.contains("entries open; entries healthy; 2 coverage gaps (--strict)") && !strict.stdout.contains("; healthy"), "\(strict)")
        // Sealing what is missing closes the gaps.
        _ = try ws.key("ssp01.bin")
        try ws.write(Array("SSP01-export-password\n".utf8), to: "ssp01.pw")
        try ws.write(Array("SM02-export-password\n".utf8), to: "sm02.pw")
        #expect(try ws.seal(role: "ssp", host: "SSP01", key: "ssp01.bin", extra: ["--key-password-file", ws.file("ssp01.pw")]).status == 0)
        _ = try ws.key("sm02b.bin")
        #expect(try ws.seal(role: "sm", host: "SM02", key: "sm02b.bin", extra: ["--key-password-file", ws.file("sm02.pw")]).status == 0)
        let clean = try CLI.run(["drill", vault, "--strict"] + pass)
        #expect(clean.status == 0 && !clean.stdout.contains("coverage:") && clean.stdout.contains("entries open; healthy"), "\(clean)")
    }

    @Test func aTamperedInventoryIsCaughtWithTheSecretAndFlaggedWithoutIt() throws {
        defer { ws.cleanUp() }
        try buildScenario(format: "1")  // the edits below are of version 1's sections
        // Untouched, with the secret: authenticated, no notice, the real instance.
        for args in [["plan", vault, "--failed", "SQL01"], ["inventory", vault], ["list", vault]] {
            let text = try CLI.run(args + pass)
            #expect(text.status == 0 && !text.stdout.contains("NOT AUTHENTICATED"), "\(args): \(text)")
            #expect(try VaultBytes.json(try CLI.run(args + ["--json"] + pass))["authenticated"] as? Bool == true, "\(args)")
        }
        #expect(try CLI.run(["plan", vault, "--failed", "SQL01"] + pass).stdout.contains("SMINST"))
        // A writer without a secret points the ServiceManager database at another instance and re-makes the checksum.
        try VaultBytes.edit(
            vault,
            """
            i = b.find(b'SMINST', ext_start())
            b[i:i+6] = b'EVILIN'
            """)
        let notice = "NOT AUTHENTICATED: read without the vault's secret, so anyone who can write the vault file could have changed what follows; add --passphrase-file or --identity to check it"
        let tampered = "vault damaged or tampered with: its header and index fail authentication; run 'keyvault verify' to see which entries are intact"
        for args in [["plan", vault, "--failed", "SQL01"], ["inventory", vault], ["list", vault]] {
            // Without the secret: what the file says, under a first line that says it is not authenticated.
            let plain = try CLI.run(args)
            #expect(plain.status == 0 && plain.stdout.split(separator: "\n").first.map(String.init) == notice, "\(args): \(plain)")
            let json = try VaultBytes.json(try CLI.run(args + ["--json"]))
            #expect(json["authenticated"] as? Bool == false, "\(args)")
            // With it: refused, exit 5, and nothing of the tampered plan is printed.
            let checked = try CLI.run(args + pass)
            #expect(checked.status == 5 && checked.error == tampered && checked.stdout.isEmpty, "\(args): \(checked)")
        }
        #expect(try CLI.run(["plan", vault, "--failed", "SQL01"]).stdout.contains("EVILIN"), "the unauthenticated plan shows what the file says")
    }

    @Test func theLogIsChainedAndHandEditsAreDetected() throws {
        defer { ws.cleanUp() }
        try buildScenario(format: "1")  // the hand edits below are of version 1's log section
        let r = try CLI.run(["log", vault, "--json"] + pass)
        #expect(r.status == 0, "\(r)")
        let log = try VaultBytes.json(r)
        #expect(log["intact"] as? Bool == true && log["chainIntact"] as? Bool == true)
        let records = try #require(log["records"] as? [[String: Any]])
        #expect(records.map { $0["action"] as? String }.prefix(4) == ["seal", "seal", "seal", "inventory"])
        #expect(records[0]["role"] as? String == "sm" && records[0]["host"] as? String == "SM01" && records[0]["version"] as? Int == 1)
        #expect(records.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true && $0["user"] as? String == CLI.userName })
        let text = try CLI.run(["log", vault] + pass)
        #expect(text.status == 0 && text.stdout.contains("ok: sealed version 1 with its export password"), "\(text)")
        let original = try ws.read("vault.kv")

        // 1. A byte of record 2's outcome flipped, checksum recomputed: record 2 no longer follows from record 1.
        try VaultBytes.edit(
            vault,
            """
            at, body, count, items = log_items()
            o, n = items[1]
            i = b.find(b'ok: sealed version 1', o, o + n)
            b[i] ^= 0x20
            """)
        #expect(try CLI.run(["list", vault]).status == 0, "the unkeyed checksum was fixed: only the keyed checks can tell")
        let flipped = try CLI.run(["log", vault] + pass)
        #expect(flipped.status == 5, "\(flipped)")
        #expect(flipped.error == "vault damaged or tampered with: audit log record 2 does not follow from the one before (a record was removed or edited)", "\(flipped)")

        // 2. Record 2 removed (count, lengths and checksum fixed): the record after it no longer follows.
        try ws.write(original, to: "vault.kv")
        try VaultBytes.edit(
            vault,
            """
            at, body, count, items = log_items()
            o, n = items[1]
            del b[o:o+n]
            b[body+40:body+44] = struct.pack('>I', count - 1)
            b[at+1:at+5] = struct.pack('>I', u32(at + 1) - n)
            b[12:16] = struct.pack('>I', hs - n)
            """)
        #expect(try CLI.run(["list", vault]).status == 0)
        let removed = try CLI.run(["log", vault, "--json"] + pass)
        #expect(removed.status == 5, "\(removed)")
        let report = try VaultBytes.json(removed)
        #expect(report["chainIntact"] as? Bool == false && report["firstBrokenRecord"] as? Int == 2, "\(report)")
        #expect((report["records"] as? [[String: Any]])?.count == records.count - 1)
        let drill = try CLI.run(["drill", vault] + pass)
        #expect(drill.status == 5 && drill.error.contains("audit log record 2 does not follow from the one before"), "\(drill)")

        // 3. The last record cut off: every link that is left holds, but the vault tag does not.
        try ws.write(original, to: "vault.kv")
        try VaultBytes.edit(
            vault,
            """
            at, body, count, items = log_items()
            o, n = items[-1]
            del b[o:o+n]
            b[body+40:body+44] = struct.pack('>I', count - 1)
            b[at+1:at+5] = struct.pack('>I', u32(at + 1) - n)
            b[12:16] = struct.pack('>I', hs - n)
            """)
        let cut = try CLI.run(["log", vault] + pass)
        #expect(cut.status == 5 && cut.error.hasPrefix("vault damaged or tampered with: its header (which holds the log) fails authentication, though the log's chain holds"), "\(cut)")
    }

    @Test(.namedHosts) func aRestoreFromAReadOnlyVaultStillRestoresAndSaysItCouldNotRecord() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let before = try ws.read("vault.kv")
        let outDir = NSTemporaryDirectory() + "kv-ro-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outDir) }
        // The vault's folder is mounted read-only in a private mount namespace, on a computer named SM01.
        let r = try CLI.execute(
            [
                "/usr/bin/setsid", "-w", "/usr/bin/unshare", "--uts", "--mount", "/bin/sh", "-c",
                "hostname SM01 && mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"",
                ws.path, CLI.binary, "restore", vault, "--role", "sm", "--out", "\(outDir)/sm.bin",
                "--key-password-out", "\(outDir)/sm.pw",
            ] + pass)
        #expect(r.status == 0, "\(r)")
        #expect(try TestFiles.bytes("\(outDir)/sm.bin") == (try ws.read("sm01.bin")))
        #expect(try TestFiles.bytes("\(outDir)/sm.pw") == Array("SM01-export-password".utf8))
        #expect(r.stderr.contains("warning: the key was restored, but this restore could not be recorded in the vault's audit log: "), "\(r)")
        #expect(r.stderr.lowercased().contains("read-only file system"), "\(r)")
        #expect(try ws.read("vault.kv") == before)
    }

    @Test func badRecoveryInputIsRefusedAndChangesNothing() throws {
        defer { ws.cleanUp() }
        try buildScenario()
        let before = try ws.read("vault.kv")
        let cases: [([String], Int32, String)] = [
            (["inventory", "host", vault, "--name", "SM03", "--role", "sm"], 2, "invalid host record: say whether the SM server SM03 is --primary or --additional"),
            (["inventory", "host", vault, "--name", "SM03", "--role", "web", "--primary"], 2, "unknown role 'web' for a host: use sm, dw, ssp or sql"),
            (
                ["inventory", "host", vault, "--name", "SM03", "--fqdn", "sm04.corp.example", "--role", "sm", "--additional"], 2,
                "invalid host record: --fqdn sm04.corp.example does not name the computer SM03"
            ),
            (
                ["inventory", "host", vault, "--name", "SM03", "--role", "sm", "--additional", "--product-version", "ten"], 2,
                "invalid host record: product version 'ten' must be 1-32 characters of digits and dots, like 10.22.1068.0"
            ),
            (
                ["inventory", "database", vault, "--name", "ServiceManager", "--sql-host", "SQL01", "--instance", "9INST"], 2,
                "SQL Server instance name '9INST' must be 1-16 characters of A-Z a-z 0-9 _ $, not starting with a digit"
            ),
            (["inventory", "group", vault, "--name", ""], 2, "invalid management group name: it is empty"),
        ]
        for (args, status, error) in cases {
            let r = try CLI.run(args + pass)
            #expect(r.status == status && r.error == error, "\(args): \(r)")
        }
        try ws.write(Array("short\n".utf8), to: "short.pw")
        _ = try ws.key("other.bin")
        let short = try ws.seal(role: "sm", host: "SM05", key: "other.bin", extra: ["--key-password-file", ws.file("short.pw")])
        #expect(
            short.status == 2 && short.error == "the export password is too short: the Encryption Key Backup or Restore Wizard's passwords have at least 8 characters" && !short.error.contains("5"),
            "\(short)")
        #expect(try ws.read("vault.kv") == before)
    }
}
