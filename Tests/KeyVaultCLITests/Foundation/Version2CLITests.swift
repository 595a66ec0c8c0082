// A format-version-2 file handed to the command line (no command writes one yet): it reads as its version-1 vault did,
// and every write is refused in one line, exit 5, with the file unchanged.
import Foundation
import KeyVaultTestSupport
import Testing

struct Version2CLITests {
    static let golden = "\(TrustCLITests.root)/Fixtures/custodians"
    /// Fixtures/custodians/x25519.kv written as version 2 (Tests/FuzzSeeds/README.md); alice unlocks it.
    static let seed = "\(TrustCLITests.root)/Tests/FuzzSeeds/v2-x25519.kv"

    @Test(.namedHosts) func aVersion2FileReadsAndRefusesWrites() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try FileManager.default.copyItem(atPath: Self.seed, toPath: ws.file("v2.kv"))
        let id = ["--identity", "\(Self.golden)/alice.id"]
        let before = try ws.read("v2.kv")

        var r = try CLI.run(["list", ws.file("v2.kv")] + id)
        #expect(r.status == 0 && r.stdout.contains("SM01") && !r.stdout.contains("NOT AUTHENTICATED"), "\(r)")
        r = try CLI.run(["verify", ws.file("v2.kv")] + id)
        #expect(r.status == 0, "\(r)")

        // A restore gives the key back; its audit record cannot be written, and it says so.
        r = try CLI.run(["restore", ws.file("v2.kv"), "--role", "sm", "--out", ws.file("sm.bin"), "--endorse"] + id, host: "SM01")
        #expect(r.status == 0 && r.stderr.contains("does not write them yet"), "\(r)")
        #expect(try ws.read("sm.bin") == TestFiles.bytes("\(Self.golden)/keys/sm01.bin"))

        _ = try ws.key("dw.bin")
        r = try CLI.run(["seal", ws.file("v2.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"), "--endorse"] + id)
        #expect(r.status == 5 && r.error == "this keyvault reads format-version-2 vaults but does not write them yet; nothing was written", "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
        #expect(try ws.read("v2.kv") == before)
    }
}
