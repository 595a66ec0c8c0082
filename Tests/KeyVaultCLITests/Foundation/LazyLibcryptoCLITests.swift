// OpenSSL's libcrypto is loaded only by commands that need it (a certificate or token custodian): the dynamic loader's
// own log (LD_DEBUG=libs) shows which libraries each run loaded. PostgreSQL's libpq likewise, only for a vault in a
// database.
import Foundation
import Testing

struct LazyLibcryptoCLITests {
    /// Runs keyvault with the dynamic loader logging the libraries it loads; returns the run, whether libcrypto was one, and
    /// the log.
    func run(_ arguments: [String], in ws: Workspace) throws -> (Run, Bool, log: String) {
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
        return (r, keyvault[0].contains("libcrypto.so"), keyvault[0])
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
            let (r, loaded, log) = try run(arguments, in: ws)
            #expect(r.status == 0, "\(arguments): \(r)")
            #expect(!loaded, "keyvault \(arguments.joined(separator: " ")) loaded libcrypto")
            #expect(!log.contains("libpq.so"), "keyvault \(arguments.joined(separator: " ")) loaded libpq for a vault file")
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
            let (r, loaded, _) = try run(arguments, in: ws)
            #expect(r.status == 0, "\(arguments): \(r)")
            #expect(loaded, "keyvault \(arguments.joined(separator: " ")) did not load libcrypto, yet it used a certificate")
        }
        let (verified, _, _) = try run(["verify", ws.file("v.kv"), "--identity", ws.file("c.key")], in: ws)
        #expect(verified.stdout.contains("1 of 1 entries intact"), "\(verified)")
    }

    /// The path the dynamic loader finds libcrypto.so.3 at on this machine.
    func libcryptoPath() throws -> String {
        let cache = try CLI.execute(["/sbin/ldconfig", "-p"])
        let line = cache.stdout.split(separator: "\n").first { $0.contains("libcrypto.so.3 ") && $0.contains("x86-64") }
        return try #require(line.flatMap { $0.components(separatedBy: " => ").last }, "ldconfig -p names no libcrypto.so.3: \(cache)")
    }

    @Test(.enabled(if: CLI.isRoot, "needs root: it hides libcrypto with a bind mount in its own mount namespace"))
    func withoutLibcryptoACertificateVaultIsRefusedInOneLineAndOthersWork() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.execute(
            ["/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "c.key", "-out", "c.pem", "-days", "30", "-subj", "/CN=c"],
            in: ws.path)
        try #require(made.status == 0, "\(made)")
        try #require(try CLI.run(["init", ws.file("cert.kv"), "--cert", ws.file("c.pem"), "--identity", ws.file("c.key")]).status == 0)
        try #require(try CLI.run(["keygen", "--out", ws.file("id")]).status == 0)
        try #require(try CLI.run(["init", ws.file("x.kv"), "--identity", ws.file("id")]).status == 0)
        let before = try ws.read("cert.kv")
        let library = try libcryptoPath()
        /// keyvault in a mount namespace where libcrypto.so.3 is an empty file.
        func hidden(_ arguments: [String]) throws -> Run {
            try CLI.execute(["/usr/bin/unshare", "-m", "/bin/sh", "-c", "mount --bind /dev/null \"$0\" && exec \"$@\"", library, CLI.binary] + arguments)
        }
        let expected = "certificate and token custodians need OpenSSL 3's libcrypto.so.3 (Debian package libssl3), which could not be loaded: "
        for arguments in [["custodian", "list", ws.file("cert.kv")], ["list", ws.file("cert.kv")], ["verify", ws.file("cert.kv"), "--identity", ws.file("c.key")]] {
            let r = try hidden(arguments)
            #expect(r.status == 1 && r.error.hasPrefix(expected), "\(arguments): \(r)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r)")
        }
        #expect(try ws.read("cert.kv") == before)
        let plain = try hidden(["custodian", "list", ws.file("x.kv")])
        #expect(plain.status == 0 && plain.stdout.contains("x25519"), "\(plain)")
    }
}
