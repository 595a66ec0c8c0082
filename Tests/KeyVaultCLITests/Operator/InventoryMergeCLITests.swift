// Issue 17, item 4: inventory updates merge; --clear removes a field.
import Foundation
import Testing

@Suite struct InventoryMergeCLITests {
    @Test func anUpdateKeepsWhatItDoesNotNameAndClearRemovesAField() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        func host() throws -> [String: Any] {
            let inventory = try VaultBytes.json(try CLI.run(["inventory", v, "--json"] + pass))
            return try #require((inventory["hosts"] as? [[String: Any]])?.first)
        }
        try #require(try CLI.run(["inventory", "host", v, "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary"] + pass).status == 0)
        // The README's order: keys and hosts first, the product version later. The FQDN (which promotion needs) stays.
        var r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--product-version", "10.25.1000.0"] + pass)
        #expect(r.status == 0 && r.stdout == "recorded host SM01 (sm01.corp.example): sm, primary SM server, product version 10.25.1000.0, windows\n", "\(r)")
        var h = try host()
        #expect(h["fqdn"] as? String == "sm01.corp.example" && h["roles"] as? [String] == ["sm"] && h["smPosition"] as? String == "primary" && h["productVersion"] as? String == "10.25.1000.0", "\(h)")
        r = try CLI.run(["inventory", "host", v, "--name", "sm01.corp.example", "--clear", "product-version"] + pass)
        #expect(r.status == 0, "\(r)")
        h = try host()
        #expect(h["productVersion"] is NSNull && h["fqdn"] as? String == "sm01.corp.example", "\(h)")
        let before = try ws.read("vault.kv")
        r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--clear", "role"] + pass)
        #expect(r.status == 2 && r.error == "--clear takes fqdn, product-version or roles, not 'role'", "\(r)")
        r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--clear", "roles"] + pass)
        #expect(r.status == 2 && r.error == "--clear roles needs the roles to record instead (--role sm, dw, ssp or sql)", "\(r)")
        r = try CLI.run(["inventory", "host", v, "--name", "WEB01"] + pass)
        #expect(r.status == 2 && r.error == "invalid host record: give at least one role (--role sm, dw, ssp or sql)", "\(r)")
        #expect(try ws.read("vault.kv") == before)
    }

    /// "SM01 runs the portal too": --role ssp alone would have recorded SM01 as ssp only, dropping sm and its place as
    /// the primary SM server without a word (the next seal of its sm key was then refused, and plans no longer offered
    /// a promotion). Roles given must name every recorded one, unless --clear roles says to record only those.
    @Test func rolesGivenDropNoRecordedRoleUnlessCleared() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        try #require(try CLI.run(["inventory", "host", v, "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary"] + pass).status == 0)
        let before = try ws.read("vault.kv")
        var r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--role", "ssp"] + pass)
        #expect(
            r.status == 2
                && r.error
                    == "refused: SM01 is recorded as sm (the primary SM server); these roles would drop sm: give every role it runs (--role sm --role ssp), or --clear roles to record only the roles given; nothing was written",
            "\(r)")
        #expect(try ws.read("vault.kv") == before)
        r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--role", "sm", "--role", "ssp"] + pass)
        #expect(r.status == 0 && r.stdout == "recorded host SM01 (sm01.corp.example): sm,ssp, primary SM server, windows\n", "\(r)")
        r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--clear", "roles", "--role", "ssp"] + pass)
        #expect(r.status == 0 && r.stdout == "recorded host SM01 (sm01.corp.example): ssp, windows\n", "\(r)")
    }

    /// The plan's advice to record a missing FQDN runs as printed on a server with more roles than sm: it names the
    /// FQDN only (it said --role sm --additional, which the rule above refuses for an sm and ssp server).
    @Test func thePlansFQDNAdviceKeepsTheServersRoles() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        try #require(try CLI.run(["inventory", "host", v, "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary"] + pass).status == 0)
        try #require(try CLI.run(["inventory", "host", v, "--name", "SM02", "--role", "sm", "--role", "ssp", "--additional"] + pass).status == 0)
        let plan = try CLI.run(["plan", v, "--failed", "SM01"] + pass)
        let advice = "keyvault inventory host \(v) --name SM02 --fqdn FQDN"
        #expect(plan.stdout.contains(advice + "\n"), "\(plan)")
        let r = try CLI.run(["inventory", "host", v, "--name", "SM02", "--fqdn", "sm02.corp.example"] + pass)
        #expect(r.status == 0 && r.stdout == "recorded host SM02 (sm02.corp.example): sm,ssp, additional SM server, windows\n", "\(r)")
    }

    /// A computer of several roles: its ways are parts of one recovery, its databases first (Setup of DW uses the
    /// existing DWStagingAndConfig, which went down with it); they were listed as alternatives, Setup first. The
    /// portal of a failed primary SM server is told to wait for that role, not pointed at the failed computer.
    @Test func aComputerOfSeveralRolesGetsOneRecoveryDatabasesFirst() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        for args in [
            ["inventory", "host", v, "--name", "DW01", "--role", "dw", "--role", "sql"],
            ["inventory", "database", v, "--name", "DWStagingAndConfig", "--sql-host", "DW01", "--instance", "MSSQLSERVER"],
            ["inventory", "host", v, "--name", "SM01", "--role", "sm", "--role", "ssp", "--primary"],
        ] {
            try #require(try CLI.run(args + pass).status == 0, "\(args)")
        }
        let dw = try VaultBytes.json(try CLI.run(["plan", v, "--failed", "DW01", "--json"] + pass))
        let ways = dw["ways"] as? [[String: Any]] ?? []
        #expect(ways.map { $0["kind"] as? String } == ["databases", "rebuild"], "\(dw)")
        #expect(
            (dw["warnings"] as? [String] ?? []).contains(
                "DW01 runs dw, sql: the ways below are parts of one recovery, not alternatives (only SM's promotion or rebuild is a choice), done in the order shown, its databases first"
            ), "\(dw)")
        let sm = try CLI.run(["plan", v, "--failed", "SM01"] + pass)
        #expect(sm.stdout.contains("(it connects to the primary SM management server, which is this computer: bring that role back first)"), "\(sm)")
        #expect(!sm.stdout.contains("the primary SM management server is SM01"), "\(sm)")
    }

    @Test func theReportingServerURLIsRecordedAndTheDWPlanUsesIt() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let pass = ["--passphrase-file", ws.file("pass")]
        let v = ws.file("vault.kv")
        _ = try ws.key("dw.bin")
        try #require(try CLI.run(["inventory", "host", v, "--name", "DW01", "--role", "dw", "--os", "other"] + pass).status == 0)
        try #require(try ws.seal(role: "dw", host: "DW01", key: "dw.bin").status == 0)
        func dwSetup() throws -> String {
            let plan = try VaultBytes.json(try CLI.run(["plan", v, "--failed", "DW01", "--json"] + pass))
            let steps = ((plan["ways"] as? [[String: Any]])?.first?["steps"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            return steps.first { $0.hasPrefix("Run Setup on DW01") } ?? ""
        }
        #expect(try dwSetup().contains("(not recorded here: keyvault inventory group \(v) --reporting-url URL)"))
        var r = try CLI.run(["inventory", "group", v, "--reporting-url", "http://ssrs01.corp.example/ReportServer"] + pass)
        #expect(r.status == 0 && r.stdout == "recorded the Reporting Server URL http://ssrs01.corp.example/ReportServer\n", "\(r)")
        #expect(try dwSetup().contains("give the original Reporting Server URL, http://ssrs01.corp.example/ReportServer, as Microsoft requires"))
        let inventory = try VaultBytes.json(try CLI.run(["inventory", v, "--json"] + pass))
        #expect(inventory["reportingServerURL"] as? String == "http://ssrs01.corp.example/ReportServer")
        let before = try ws.read("vault.kv")
        for (args, message) in [
            (["--reporting-url", "ssrs01"], "the Reporting Server URL must start with http:// or https://"),
            (["--reporting-url", "http://a b"], "the Reporting Server URL contains a space, control or invisible character"),
            ([], "give --name NAME, --reporting-url URL or --clear reporting-url"),
        ] {
            r = try CLI.run(["inventory", "group", v] + args + pass)
            #expect(r.status == 2 && r.error == message, "\(args): \(r)")
        }
        #expect(try ws.read("vault.kv") == before)
        r = try CLI.run(["inventory", "group", v, "--clear", "reporting-url"] + pass)
        let cleared = try VaultBytes.json(try CLI.run(["inventory", v, "--json"] + pass))
        #expect(r.status == 0 && cleared["reportingServerURL"] is NSNull, "\(r)")
        #expect(try CLI.run(["verify", v] + pass).status == 0)
    }
}
