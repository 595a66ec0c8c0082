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
        r = try CLI.run(["inventory", "host", v, "--name", "SM01", "--clear", "roles"] + pass)
        #expect(r.status == 2 && r.error == "--clear takes fqdn or product-version, not 'roles'", "\(r)")
        r = try CLI.run(["inventory", "host", v, "--name", "WEB01"] + pass)
        #expect(r.status == 2 && r.error == "invalid host record: give at least one role (--role sm, dw, ssp or sql)", "\(r)")
        #expect(try ws.read("vault.kv") == before)
    }
}
