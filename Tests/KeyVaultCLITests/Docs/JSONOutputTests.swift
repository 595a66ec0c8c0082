// docs/JSON.md's promises about absent values, checked on the built binary's output.
import Foundation
import Testing

@Suite struct JSONOutputTests {
    /// A key read from standard input has no file name: the entry's `fileName` is null, as for every absent value;
    /// `label` is documented as "" when there is none.
    @Test func anAbsentFileNameIsNull() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("SM01.bin")
        #expect(try ws.seal(role: "sm", host: "SM01", key: "SM01.bin").status == 0)
        let piped = try CLI.run(
            [
                "seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", "-",
                "--passphrase-file", ws.file("pass"),
            ], stdin: try ws.key("dw.bin"))
        #expect(piped.status == 0, "\(piped)")
        for command in [["list", ws.file("vault.kv"), "--json"], ["verify", ws.file("vault.kv"), "--json", "--passphrase-file", ws.file("pass")]] {
            let r = try CLI.run(command)
            #expect(r.status == 0, "\(r)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
            let entries = try #require(object["entries"] as? [[String: Any]], "\(r)").map { $0["entry"] as? [String: Any] ?? $0 }
            #expect(entries.count == 2, "\(r)")
            #expect(entries.first?["fileName"] as? String == "SM01.bin", "\(command[0]): \(r.stdout)")
            #expect(entries.last?["fileName"] is NSNull, "\(command[0]): \(r.stdout)")
            #expect(entries.allSatisfy { $0["label"] as? String == "" }, "\(command[0]): \(r.stdout)")
        }
    }

    /// A slot of a kind this keyvault does not know is "unknown" in `info --json`, as in `custodian list --json` (it was
    /// "unknown (slot 3)", a value no consumer could switch on).
    @Test func anUnknownSlotKindIsOneValue() throws {
        let vectors = VectorCase.folder
        let r = try CLI.run(["info", vectors + "/ok-threshold-unknown-slot-kind.kv", "--json"])
        #expect(r.status == 0, "\(r)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
        let kinds = (object["slots"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.contains("unknown") && kinds.allSatisfy { ["passphrase", "x25519", "certificate", "unknown"].contains($0) }, "\(kinds)")
        let text = try CLI.run(["info", vectors + "/ok-threshold-unknown-slot-kind.kv"])
        #expect(text.stdout.contains("unknown (slot "), "the text still names the slot: \(text)")
    }

    /// `custodian list --json` prints exactly the fields docs/JSON.md lists for it, every one present (null when
    /// absent): a documented field the output lacked (`committedAt`, printed under another name) broke scripts.
    @Test func aCustodianListingHasTheDocumentedFields() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let recipient = try CLI.run(["keygen", "--out", ws.file("alice.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try CLI.run(["custodian", "add", ws.file("vault.kv"), "--recipient", recipient, "--passphrase-file", ws.file("pass")]).status == 0)
        let r = try CLI.run(["custodian", "list", ws.file("vault.kv"), "--json"])
        #expect(r.status == 0, "\(r)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
        #expect(Set(object.keys) == ["vault", "threshold", "custodians", "checkInWarnings"], "\(r.stdout)")
        let custodians = try #require(object["custodians"] as? [[String: Any]], "\(r)")
        let documented: Set<String> = [
            "id", "kind", "slot", "recipient", "subject", "certificateSHA256", "algorithm", "notAfter", "expired", "daysUntilExpiry", "endorsed",
            "committedAt", "checkInBaseline", "lastCheckIn", "lastCheckInBy", "lastCheckInPending", "daysSinceLastProof",
        ]
        #expect(custodians.count == 2 && custodians.allSatisfy { Set($0.keys) == documented }, "\(r.stdout)")
        // The identity added under the vault key has a commitment: when it was made, under both names.
        let added = try #require(custodians.first { $0["kind"] as? String == "x25519" }, "\(r.stdout)")
        #expect(added["committedAt"] is String && added["checkInBaseline"] as? String == added["committedAt"] as? String, "\(r.stdout)")
    }
}
