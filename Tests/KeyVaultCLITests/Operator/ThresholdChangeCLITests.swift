// Issue 17, item 3: the threshold changes after init (custodian add, custodian remove, rekey), keeping entries,
// inventory and log.
import Foundation
import Testing

@Suite struct ThresholdChangeCLITests {
    func keygen(_ ws: Workspace, _ name: String) throws -> String {
        let r = try CLI.run(["keygen", "--out", ws.file(name)])
        try #require(r.status == 0, "\(r)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aVaultBecomesTwoOfTwoAndBackWithoutLosingAnything() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        _ = try keygen(ws, "alice.id"); _ = try keygen(ws, "bob.id"); let carol = try keygen(ws, "carol.id")
        let v = ws.file("vault.kv")
        try #require(try CLI.run(["init", v, "--identity", ws.file("alice.id"), "--identity", ws.file("bob.id")]).status == 0)
        _ = try ws.key("sm.bin")
        try #require(try CLI.run(["seal", v, "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", ws.file("alice.id")]).status == 0)
        try #require(try CLI.run(["inventory", "group", v, "--name", "MG1", "--identity", ws.file("bob.id")]).status == 0)
        let ids = { (names: [String]) in names.flatMap { ["--identity", ws.file($0)] } }

        // 1-of-2 → 2-of-2: one identity no longer unlocks; both do; entries, inventory and log are kept.
        var r = try CLI.run(["rekey", v, "--threshold", "2"] + ids(["alice.id"]))
        #expect(r.status == 0 && r.stdout.contains("any 2 custodians together unlock it"), "\(r)")
        r = try CLI.run(["list", v] + ids(["alice.id"]))
        #expect(r.status == 4, "one custodian must no longer be enough: \(r)")
        let both = try VaultBytes.json(try CLI.run(["list", v, "--json"] + ids(["alice.id", "bob.id"])))
        #expect(both["authenticated"] as? Bool == true && (both["entries"] as? [[String: Any]])?.count == 1)
        let inventory = try VaultBytes.json(try CLI.run(["inventory", v, "--json"] + ids(["alice.id", "bob.id"])))
        #expect(inventory["managementGroup"] as? String == "MG1")
        // The plan's restore command is runnable as printed: it names two custodians' identities.
        let plan = try VaultBytes.json(try CLI.run(["plan", v, "--failed", "SM01", "--json"] + ids(["alice.id", "bob.id"])))
        let command = ((plan["ways"] as? [[String: Any]])?.first?["steps"] as? [[String: Any]])?.compactMap { $0["command"] as? String }.first { $0.hasPrefix("keyvault restore") } ?? ""
        #expect(command.components(separatedBy: " --identity IDENTITY-FILE-OF-").count == 3, "\(command)")
        let log = try VaultBytes.json(try CLI.run(["log", v, "--json"] + ids(["alice.id", "bob.id"])))
        let actions = (log["records"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
        // The custodians' endorsements at creation come first (init --identity).
        #expect(actions == ["endorse", "seal", "inventory", "rekey"] && log["intact"] as? Bool == true, "\(log)")

        // Add carol and go to 2-of-3 in one step; then remove her and go back to any one.
        // Each run here is a machine that never saw the vault, and the re-key was endorsed by alice alone: in a threshold
        // vault every custodian who unlocks must vouch for the key, so bob (then carol) says --endorse once.
        r = try CLI.run(["custodian", "add", v, "--recipient", carol, "--threshold", "2", "--endorse"] + ids(["alice.id", "bob.id"]))
        #expect(r.status == 0 && r.stdout.contains("now has 3, any 2 custodians together unlock it"), "\(r)")
        #expect(try CLI.run(["list", v] + ids(["bob.id", "carol.id"])).status == 0)
        r = try CLI.run(["custodian", "remove", v, carol, "--threshold", "1", "--endorse"] + ids(["alice.id", "carol.id"]))
        #expect(r.status == 0 && r.stdout.contains("any one custodian unlocks it"), "\(r)")
        #expect(try CLI.run(["list", v] + ids(["bob.id"])).status == 0)
        #expect(try CLI.run(["verify", v] + ids(["alice.id"])).status == 0)

        // Thresholds the custodians cannot meet are refused, and nothing changes.
        let before = try ws.read("vault.kv")
        for (k, message) in [("3", "a threshold of 3 needs at least 3 custodians; 2 are named"), ("0", "--threshold must be at least 1")] {
            r = try CLI.run(["rekey", v, "--threshold", k] + ids(["alice.id"]))
            #expect(r.status == 2 && r.error == message, "\(k): \(r)")
        }
        #expect(try ws.read("vault.kv") == before)
    }
}
