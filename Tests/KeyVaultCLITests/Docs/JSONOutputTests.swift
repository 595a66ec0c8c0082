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
}
