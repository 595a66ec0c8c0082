// OpenSSL's libcrypto is loaded only by commands that need it (a certificate or token custodian): the dynamic loader's
// own log (LD_DEBUG=libs) shows which libraries each run loaded.
import Foundation
import Testing

struct LazyLibcryptoCLITests {
    /// Runs keyvault with the dynamic loader logging the libraries it loads; returns the run and whether libcrypto was one.
    func run(_ arguments: [String], in ws: Workspace) throws -> (Run, Bool) {
        let r = try CLI.run(arguments, environment: ["LD_DEBUG": "libs", "LD_DEBUG_OUTPUT": ws.file("ld")])
        // glibc writes one file per process, LD_DEBUG_OUTPUT with ".PID" appended: keyvault's is the one naming libsodium
        // (the others are setsid's, which runs it).
        var logs: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: ws.path) where name.hasPrefix("ld.") {
            logs.append(try String(contentsOfFile: ws.file(name), encoding: .utf8))
            try FileManager.default.removeItem(atPath: ws.file(name))
        }
        let keyvault = logs.filter { $0.contains("libsodium") }
        try #require(keyvault.count == 1, "one log of keyvault's own process, among \(logs.count)")
        return (r, keyvault[0].contains("libcrypto.so"))
    }

    @Test func commandsWithoutACertificateNeverLoadLibcrypto() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        _ = try ws.key("sm.bin")
        let commands: [[String]] = [
            ["--version"],
            ["keygen", "--out", ws.file("id")],
            ["init", ws.file("v.kv"), "--identity", ws.file("id")],
            ["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", ws.file("id")],
            ["list", ws.file("v.kv")],
            ["verify", ws.file("v.kv"), "--identity", ws.file("id")],
            ["custodian", "list", ws.file("v.kv")],
        ]
        for arguments in commands {
            let (r, loaded) = try run(arguments, in: ws)
            #expect(r.status == 0, "\(arguments): \(r)")
            #expect(!loaded, "keyvault \(arguments.joined(separator: " ")) loaded libcrypto")
        }
    }

    @Test func aCertificateCustodianLoadsItWhenItIsUsed() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.execute(
            ["/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "c.key", "-out", "c.pem", "-days", "30", "-subj", "/CN=c"],
            in: ws.path)
        try #require(made.status == 0, "\(made)")
        _ = try ws.key("dw.bin")
        for arguments in [
            ["init", ws.file("v.kv"), "--cert", ws.file("c.pem"), "--identity", ws.file("c.key")],
            ["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"), "--identity", ws.file("c.key")],
            ["verify", ws.file("v.kv"), "--identity", ws.file("c.key")],
        ] {
            let (r, loaded) = try run(arguments, in: ws)
            #expect(r.status == 0, "\(arguments): \(r)")
            #expect(loaded, "keyvault \(arguments.joined(separator: " ")) did not load libcrypto, yet it used a certificate")
        }
        let (verified, _) = try run(["verify", ws.file("v.kv"), "--identity", ws.file("c.key")], in: ws)
        #expect(verified.stdout.contains("1 of 1 entries intact"), "\(verified)")
    }
}
