// Certificate custodians whose private key lives on a PKCS#11 token, through the binary, against SoftHSM2 (a real
// PKCS#11 implementation): keys generated on the token, certificates made for them by the openssl command line.
import Foundation
import Testing

@Suite(.tool(SoftHSM.util), .tool(SoftHSM.tool), .library(SoftHSM.module), .tool("/usr/bin/openssl"))
struct TokenCustodianCLITests {
    @Test(arguments: ["rsa:2048", "rsa:3072", "EC:prime256v1", "EC:secp384r1"])
    func aKeyOnTheTokenAloneEndorsesSealsAndRestores(keyType: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate(keyType, label: "custodian", id: "01")
        try hsm.certificate(label: "custodian", id: "01", name: "custodian")
        let uri = "pkcs11:token=\(hsm.label);object=custodian"
        // The token's key endorses the new vault (a signature made on the token, checked against the certificate).
        let made = try CLI.run(
            ["init", ws.file("v.kv"), "--cert", ws.file("custodian.pem"), "--identity", uri] + hsm.unlock, environment: hsm.environment)
        #expect(made.status == 0, "\(made)")
        let key = try ws.key("sm.bin")
        let sealed = try CLI.run(
            ["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", uri] + hsm.unlock,
            environment: hsm.environment)
        #expect(sealed.status == 0, "a write needs no --endorse: the token endorsed the key at init. \(sealed)")
        let restored = try CLI.run(
            ["restore", ws.file("v.kv"), "--role", "sm", "--out", ws.file("out.bin"), "--identity", uri] + hsm.unlock, host: "SM01",
            environment: hsm.environment)
        #expect(restored.status == 0, "\(restored)")
        #expect(try ws.read("out.bin") == key)
        // The private key never left the token: it is sensitive and was never extractable.
        let objects = try hsm.run([SoftHSM.tool, "--module", SoftHSM.module, "--token-label", hsm.label, "--login", "--pin", hsm.pin, "--list-objects", "--type", "privkey"])
        #expect(objects.stdout.contains("sensitive, always sensitive, never extractable, local"), "\(objects)")
    }

    /// A 2-of-3 vault: an RSA key on the token, an X25519 identity file and the passphrase.
    @Test func thresholdsMixTokensFilesAndPassphrases() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("rsa:2048", label: "rsa", id: "0a")
        try hsm.certificate(label: "rsa", id: "0a", name: "token")
        let recipient = try CLI.run(["keygen", "--out", ws.file("x.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let made = try CLI.run([
            "init", ws.file("v.kv"), "--threshold", "2", "--passphrase-file", ws.file("pass"), "--kdf", "interactive",
            "--cert", ws.file("token.pem"), "--recipient", recipient,
        ])
        #expect(made.status == 0, "\(made)")
        let token = ["--identity", "pkcs11:token=\(hsm.label);id=%0A"] + hsm.unlock
        let file = ["--identity", ws.file("x.id")], passphrase = ["--passphrase-file", ws.file("pass")]
        _ = try ws.key("dw.bin")
        let sealed = try CLI.run(
            ["seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"), "--endorse"] + token + file,
            environment: hsm.environment)
        #expect(sealed.status == 0, "\(sealed)")
        for pair in [token + file, token + passphrase, file + passphrase] {
            let r = try CLI.run(["verify", ws.file("v.kv")] + pair, environment: hsm.environment)
            #expect(r.status == 0 && r.stdout.contains("1 of 1 entries intact"), "\(pair): \(r)")
        }
        let alone = try CLI.run(["verify", ws.file("v.kv")] + token, environment: hsm.environment)
        #expect(alone.status == 4 && alone.error.hasPrefix("unlock failed: 1 of the 2 custodians this vault needs were given"), "\(alone)")
    }

    /// Two keys of a 2-of-2 threshold on one token: one module load, one login (the second key finds the token
    /// logged in), and both keys work after the first identity is done with.
    @Test(.library(SoftHSM.spy)) func twoKeysOnOneTokenShareItsModuleAndItsLogin() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("rsa:2048", label: "first", id: "01")
        try hsm.certificate(label: "first", id: "01", name: "first")
        try hsm.generate("EC:prime256v1", label: "second", id: "02")
        try hsm.certificate(label: "second", id: "02", name: "second")
        let both = ["--identity", "pkcs11:token=\(hsm.label);object=first", "--identity", "pkcs11:token=\(hsm.label);object=second"]
        let made = try CLI.run(
            ["init", ws.file("v.kv"), "--threshold", "2", "--cert", ws.file("first.pem"), "--cert", ws.file("second.pem")] + both + hsm.unlock,
            environment: hsm.environment)
        #expect(made.status == 0, "\(made)")
        _ = try ws.key("sm.bin")
        var spied = hsm.environment
        spied["PKCS11SPY"] = SoftHSM.module
        spied["PKCS11SPY_OUTPUT"] = ws.file("spy.log")
        let sealed = try CLI.run(
            ["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--pkcs11-module", SoftHSM.spy] + both + hsm.unlock,
            environment: spied)
        #expect(sealed.status == 0, "\(sealed)")
        let log = String(decoding: try ws.read("spy.log"), as: UTF8.self)
        #expect(log.components(separatedBy: "C_Login").count - 1 == 1, "C_Login calls")
        #expect(log.components(separatedBy: "C_Initialize").count - 1 == 1, "C_Initialize calls")
        #expect(log.components(separatedBy: "C_Finalize").count - 1 == 0, "C_Finalize calls")
    }

    /// The slot is the certificate's: a custodian made with a PEM key unlocks the same vault after that key is moved
    /// onto a token, and the PEM file can then be destroyed.
    @Test(arguments: ["rsa:2048", "ec:prime256v1"])
    func aCustodianMovesFromAPEMFileToATokenHoldingThatKey(keyType: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        let newkey = keyType.hasPrefix("rsa") ? ["-newkey", keyType] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        try hsm.openssl(["req", "-x509"] + newkey + ["-nodes", "-keyout", "pem.key", "-out", "pem.pem", "-days", "30", "-subj", "/CN=moved"])
        let made = try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("pem.pem"), "--identity", ws.file("pem.key")])
        #expect(made.status == 0, "\(made)")
        let key = try ws.key("ssp.bin")
        let sealed = try CLI.run(["seal", ws.file("v.kv"), "--role", "ssp", "--host", "SSP01", "--key", ws.file("ssp.bin"), "--identity", ws.file("pem.key")])
        #expect(sealed.status == 0, "\(sealed)")
        let imported = try hsm.run(
            [
                SoftHSM.tool, "--module", SoftHSM.module, "--token-label", hsm.label, "--login", "--pin", hsm.pin, "--write-object",
                ws.file("pem.key"), "--type", "privkey", "--label", "moved", "--id", "07", "--usage-decrypt", "--usage-sign",
            ] + (keyType.hasPrefix("rsa") ? [] : ["--usage-derive"]))
        #expect(imported.status == 0, "\(imported)")
        try FileManager.default.removeItem(atPath: ws.file("pem.key"))
        let restored = try CLI.run(
            ["restore", ws.file("v.kv"), "--role", "ssp", "--out", ws.file("out.bin"), "--identity", "pkcs11:token=\(hsm.label);object=moved"]
                + hsm.unlock, host: "SSP01", environment: hsm.environment)
        #expect(restored.status == 0, "\(restored)")
        #expect(try ws.read("out.bin") == key)
    }

    /// A wrong PIN: exit 4, nothing written, and the token asked exactly once (pkcs11-spy logs every call the module
    /// receives): keyvault never spends a token's retry counter on retries of its own.
    @Test(.library(SoftHSM.spy)) func aWrongPINIsTriedOnceAndGivesExit4() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("EC:prime256v1", label: "k", id: "01")
        try hsm.certificate(label: "k", id: "01", name: "k")
        #expect(try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("k.pem"), "--identity", "pkcs11:token=\(hsm.label);object=k"] + hsm.unlock, environment: hsm.environment).status == 0)
        try ws.write(Array("999999\n".utf8), to: "wrong-pin")
        let before = try ws.read("v.kv")
        var spied = hsm.environment
        spied["PKCS11SPY"] = SoftHSM.module
        spied["PKCS11SPY_OUTPUT"] = ws.file("spy.log")
        let r = try CLI.run(
            ["verify", ws.file("v.kv"), "--identity", "pkcs11:token=\(hsm.label);object=k", "--pkcs11-module", SoftHSM.spy, "--pin-file", ws.file("wrong-pin")],
            environment: spied)
        #expect(r.status == 4 && r.error == "token '\(hsm.label)' refused the PIN; it was tried once", "\(r)")
        let log = String(decoding: try ws.read("spy.log"), as: UTF8.self)
        #expect(log.components(separatedBy: "C_Login").count - 1 == 1, "C_Login calls: \(log.components(separatedBy: "C_Login").count - 1)")
        #expect(try ws.read("v.kv") == before)
        // Without a PIN file and without a terminal there is nobody to ask.
        let noPIN = try CLI.run(
            ["verify", ws.file("v.kv"), "--identity", "pkcs11:token=\(hsm.label);object=k", "--pkcs11-module", SoftHSM.module], environment: ["SOFTHSM2_CONF": hsm.environment["SOFTHSM2_CONF"]!])
        #expect(noPIN.status == 2 && noPIN.error == "no PIN given and no terminal to ask on; pass --pin-file FILE (or - for standard input)", "\(noPIN)")
    }

    /// Someone who can write the vault puts a point that is not on the curve in a token custodian's slot: the token is
    /// never asked to derive with it (a token that does not check would leak its key to such points), and the unlock
    /// fails as for any other slot this key does not open.
    @Test(.library(SoftHSM.spy), .tool("/usr/bin/python3")) func anOffCurvePointNeverReachesTheToken() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("EC:prime256v1", label: "k", id: "01")
        try hsm.certificate(label: "k", id: "01", name: "k")
        // Format version 1: the edit below finds the certificate in version 1's single slot area.
        #expect(try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("k.pem"), "--format", "1"]).status == 0)
        try hsm.openssl(["x509", "-in", "k.pem", "-outform", "DER", "-out", "k.der"])
        let der = try ws.read("k.der").map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        try VaultBytes.edit(
            ws.file("v.kv"),
            "der = bytes.fromhex('\(der)')\no = b.find(der) + len(der)\nassert u16(o) == 65 and b[o + 2] == 4\nb[o + 2 + 64] ^= 1")
        var spied = hsm.environment
        spied["PKCS11SPY"] = SoftHSM.module
        spied["PKCS11SPY_OUTPUT"] = ws.file("spy.log")
        let r = try CLI.run(
            ["verify", ws.file("v.kv"), "--identity", "pkcs11:token=\(hsm.label);object=k", "--pkcs11-module", SoftHSM.spy] + hsm.unlock, environment: spied)
        #expect(r.status == 4, "\(r)")
        let log = String(decoding: try ws.read("spy.log"), as: UTF8.self)
        #expect(log.contains("C_Login") && !log.contains("C_DeriveKey"), "the token was asked to derive with the planted point")
    }

    /// A module, token or key that is not there, or a URI that cannot be used: one clear line, exit 2, nothing written.
    @Test func missingModulesTokensAndKeysAreNamed() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("rsa:2048", label: "k", id: "01")
        try hsm.certificate(label: "k", id: "01", name: "k")
        #expect(try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("k.pem")]).status == 0)
        let before = try ws.read("v.kv")
        let base = ["verify", ws.file("v.kv"), "--pin-file", ws.file("pin")]
        let cases: [([String], [String: String], String)] = [
            (
                ["--identity", "pkcs11:token=\(hsm.label);object=k", "--pkcs11-module", ws.file("none.so")], hsm.environment,
                "cannot load the PKCS#11 module \(ws.file("none.so")): \(ws.file("none.so")): cannot open shared object file: No such file or directory"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label);object=k", "--pkcs11-module", "/usr/lib/x86_64-linux-gnu/libsodium.so.23"], hsm.environment,
                "/usr/lib/x86_64-linux-gnu/libsodium.so.23 is not a PKCS#11 module (it has no working C_GetFunctionList)"
            ),
            (
                ["--identity", "pkcs11:token=absent;object=k"], hsm.environment,
                "no token matches token=absent in \(SoftHSM.module) (present: '\(hsm.label)'); is the token inserted?"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label);object=nothing"], hsm.environment,
                "token '\(hsm.label)' has no private key with object=nothing (after login; check the URI with pkcs11-tool --list-objects)"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label);object=k"], ["SOFTHSM2_CONF": hsm.environment["SOFTHSM2_CONF"]!],
                "no PKCS#11 module for pkcs11:token=\(hsm.label);object=k: name its shared library (module-path in the URI, or the module option: --pkcs11-module or KEYVAULT_PKCS11_MODULE for keyvault's commands)"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label);object=k;pin-value=123456"], hsm.environment,
                "a PIN is never read from the token URI (pin-value, pin-source): give it on the terminal or from a file, never on the command line"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label)"], hsm.environment,
                "token URI 'pkcs11:token=\(hsm.label)' is not usable: it names no key: add object=LABEL or id=%XX"
            ),
            (
                ["--identity", "pkcs11:token=\(hsm.label);id=%zz"], hsm.environment,
                "token URI 'pkcs11:token=\(hsm.label);id=%zz' is not usable: a % is not followed by two hex digits"
            ),
        ]
        for (extra, environment, message) in cases {
            let r = try CLI.run(base + extra, environment: environment)
            #expect(r.status == 2, "\(extra): \(r)")
            #expect(r.error == message)
        }
        #expect(try ws.read("v.kv") == before)
    }

    /// A module that says its result is longer than the room it was given (here C_Decrypt, of the real module's
    /// answer, reports 2^64 − 2 bytes): one line and exit 1, nothing of it used. Found by an attacker's review: the
    /// length reached Swift as it came, and keyvault trapped (exit 132).
    @Test(.enabled(if: SoftHSM.cCompiler != nil, "needs a C compiler to build the lying module (clang, from the Swift toolchain)"))
    func aModuleThatOverstatesALengthIsRefusedInOneLine() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let hsm = try SoftHSM(ws)
        try hsm.generate("rsa:2048", label: "rsa", id: "0b")
        try hsm.certificate(label: "rsa", id: "0b", name: "token")
        try #require(try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("token.pem")]).status == 0)
        try ws.write(
            Array(
                """
                #include <dlfcn.h>
                #include <p11-kit-1/p11-kit/pkcs11.h>
                static CK_FUNCTION_LIST *real, lying;
                static CK_RV lying_decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR out_n) {
                    CK_RV rv = real->C_Decrypt(s, in, n, out, out_n);
                    if (rv == CKR_OK && out) *out_n = (CK_ULONG)-2;
                    return rv;
                }
                CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
                    void *library = dlopen("\(SoftHSM.module)", RTLD_NOW | RTLD_LOCAL);
                    CK_C_GetFunctionList get = library ? (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList") : 0;
                    if (!get || get(&real) != CKR_OK) return CKR_GENERAL_ERROR;
                    lying = *real;
                    lying.C_Decrypt = lying_decrypt;
                    *list = &lying;
                    return CKR_OK;
                }
                """.utf8), to: "lying.c")
        let built = try CLI.execute([SoftHSM.cCompiler!, "-shared", "-fPIC", "-o", ws.file("lying.so"), ws.file("lying.c"), "-ldl"])
        try #require(built.status == 0, "\(built)")
        let uri = "pkcs11:token=\(hsm.label);object=rsa"
        let honest = try CLI.run(["verify", ws.file("v.kv"), "--identity", uri] + hsm.unlock, environment: hsm.environment)
        #expect(honest.status == 0, "\(honest)")
        let r = try CLI.run(["verify", ws.file("v.kv"), "--identity", uri, "--pkcs11-module", ws.file("lying.so")] + hsm.unlock, environment: hsm.environment)
        #expect(r.status == 1, "\(r)")
        #expect(
            r.error
                == "token '\(hsm.label)' failed to use its key: the module reported a result longer than the room it was given (a faulty module; nothing of it was used)",
            "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
    }
}

/// A SoftHSM2 token of its own in a workspace (its own configuration and token folder, through SOFTHSM2_CONF).
struct SoftHSM {
    static let util = "/usr/bin/softhsm2-util"
    static let tool = "/usr/bin/pkcs11-tool"
    static let module = "/usr/lib/softhsm/libsofthsm2.so"
    static let spy = "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so"
    /// A C compiler to build test modules with: cc, or the Swift toolchain's clang on PATH.
    static let cCompiler: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/bin/cc"] + path.split(separator: ":").map { "\($0)/clang" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    let ws: Workspace
    let label = "keyvault-test"
    let pin = "246810"
    /// What every keyvault run needs to reach the token.
    let environment: [String: String]
    /// The options that give keyvault the PIN.
    var unlock: [String] { ["--pin-file", ws.file("pin")] }

    init(_ ws: Workspace) throws {
        self.ws = ws
        try FileManager.default.createDirectory(atPath: ws.file("tokens"), withIntermediateDirectories: true)
        try ws.write(Array("directories.tokendir = \(ws.file("tokens"))\nobjectstore.backend = file\nlog.level = ERROR\n".utf8), to: "softhsm2.conf")
        try ws.write(Array("\(pin)\n".utf8), to: "pin")
        environment = ["SOFTHSM2_CONF": ws.file("softhsm2.conf"), "KEYVAULT_PKCS11_MODULE": Self.module]
        let made = try run([Self.util, "--init-token", "--free", "--label", label, "--so-pin", "13579135", "--pin", pin])
        guard made.status == 0 else { throw WorkspaceError(message: "softhsm2-util: \(made)") }
    }

    func run(_ argv: [String]) throws -> Run { try CLI.execute(argv, in: ws.path, environment: environment) }

    func openssl(_ arguments: [String]) throws {
        let r = try run(["/usr/bin/openssl"] + arguments)
        guard r.status == 0 else { throw WorkspaceError(message: "openssl \(arguments): \(r)") }
    }

    /// A key pair generated on the token (pkcs11-tool --keypairgen), private key sensitive and not extractable.
    func generate(_ keyType: String, label: String, id: String) throws {
        let r = try run([Self.tool, "--module", Self.module, "--token-label", self.label, "--login", "--pin", pin, "--keypairgen", "--key-type", keyType, "--label", label, "--id", id])
        guard r.status == 0 else { throw WorkspaceError(message: "pkcs11-tool --keypairgen: \(r)") }
    }

    /// NAME.pem: a certificate for the token key's public half, issued by a throwaway CA (openssl -force_pubkey).
    func certificate(label: String, id: String, name: String) throws {
        let listed = try run([Self.tool, "--module", Self.module, "--token-label", self.label, "--list-objects", "--type", "pubkey", "--id", id])
        if let line = listed.stdout.split(separator: "\n").first(where: { $0.contains("EC_POINT:") }) {
            // pkcs11-tool 0.23 cannot export a P-384 public key: wrap the point it lists in a SubjectPublicKeyInfo.
            let hex = String(line.split(separator: " ").last ?? "")
            var point = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
            if point.count % 2 == 1 { point = Array(point.dropFirst(2)) }  // 04 LEN, the DER OCTET STRING header
            let prefix: [UInt8] =
                point.count == 65
                ? [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00]
                : [0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00]
            try ws.write(prefix + point, to: "\(name).pub.der")
        } else {
            let r = try run([Self.tool, "--module", Self.module, "--token-label", self.label, "--read-object", "--type", "pubkey", "--id", id, "-o", "\(name).pub.der"])
            guard r.status == 0 else { throw WorkspaceError(message: "pkcs11-tool --read-object: \(r)") }
        }
        try openssl(["pkey", "-pubin", "-inform", "DER", "-in", "\(name).pub.der", "-out", "\(name).pub.pem"])
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).ca.key", "-out", "\(name).ca.pem", "-days", "30", "-subj", "/CN=\(name) CA"])
        try openssl(["req", "-new", "-key", "\(name).ca.key", "-subj", "/CN=\(name) on a token", "-out", "\(name).csr"])
        try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(name).ca.pem", "-CAkey", "\(name).ca.key", "-force_pubkey", "\(name).pub.pem", "-out", "\(name).pem", "-days", "30"])
    }
}
