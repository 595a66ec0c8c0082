// Custodians through the binary: keygen, certificates made by the openssl command line, thresholds tried with every
// subset, removal and re-key followed by attempts with the removed custodian.
import Foundation
import Testing

struct CustodianCLITests {
    func keygen(_ ws: Workspace, _ name: String) throws -> String {
        let r = try CLI.run(["keygen", "--out", ws.file(name)])
        guard r.status == 0 else { throw WorkspaceError(message: "\(r)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func openssl(_ ws: Workspace, _ arguments: [String]) throws {
        let r = try CLI.execute(["/usr/bin/openssl"] + arguments, in: ws.path)
        guard r.status == 0 else { throw WorkspaceError(message: "openssl \(arguments): \(r)") }
    }

    /// A self-signed certificate NAME.pem with its key NAME.key.
    func certificate(_ ws: Workspace, _ name: String, _ key: [String]) throws {
        try openssl(ws, ["req", "-x509", "-newkey"] + key + ["-nodes", "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "30", "-subj", "/CN=\(name)"])
    }

    /// All subsets of `items` of size `k`.
    func subsets<T>(_ items: [T], _ k: Int) -> [[T]] {
        if k == 0 { return [[]] }
        if items.count < k { return [] }
        let rest = Array(items.dropFirst())
        return subsets(rest, k - 1).map { [items[0]] + $0 } + subsets(rest, k)
    }

    @Test func keygenWritesASecretIdentityAndPrintsItsRecipient() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let recipient = try keygen(ws, "alice.id")
        #expect(recipient.hasPrefix("kvr1") && recipient.count == 62, "\(recipient)")
        #expect(try ws.mode("alice.id") == 0o600)
        let identity = String(decoding: try ws.read("alice.id"), as: UTF8.self)
        #expect(identity.contains("KVAULT-SECRET-KEY-1"))
        #expect(!identity.contains(recipient) || identity.contains("# recipient: \(recipient)"))
        let again = try CLI.run(["keygen", "--public", ws.file("alice.id")])
        #expect(again.status == 0 && again.stdout == recipient + "\n", "\(again)")
        let before = try ws.read("alice.id")
        let refused = try CLI.run(["keygen", "--out", ws.file("alice.id")])
        #expect(refused.status == 2 && refused.error == "identity file \(ws.file("alice.id")) already exists; keyvault keygen never overwrites an identity", "\(refused)")
        #expect(try ws.read("alice.id") == before)
        #expect(try keygen(ws, "bob.id") != recipient)
    }

    @Test func aMistypedRecipientIsCaughtBeforeAnythingIsWritten() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let recipient = Array(try keygen(ws, "alice.id"))
        for position in [5, 20, 61] {
            var typo = recipient
            typo[position] = typo[position] == "q" ? "p" : "q"
            let r = try CLI.run(["init", ws.file("v.kv"), "--recipient", String(typo)])
            #expect(r.status == 2 && r.error.hasSuffix("its checksum does not match (a character was mistyped or lost)"), "\(r)")
        }
        let truncated = try CLI.run(["init", ws.file("v.kv"), "--recipient", String(recipient.dropLast())])
        #expect(truncated.status == 2, "\(truncated)")
        #expect(!ws.exists("v.kv"))
    }

    /// Threshold vaults mixing X25519 identities, certificates and a passphrase: every K-subset opens, no (K-1)-subset does.
    @Test(arguments: [(2, 3), (3, 5)])
    func everySubsetOfSizeKOpensAndNoSmallerOneDoes(k: Int, n: Int) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        // Custodians: the passphrase, a P-256 and an RSA certificate, then X25519 identities for the rest.
        try certificate(ws, "rsa", ["rsa:2048"])
        try certificate(ws, "p256", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        var initArgs = [
            "init", ws.file("v.kv"), "--threshold", "\(k)", "--passphrase-file", ws.file("pass"), "--kdf", "interactive",
            "--cert", ws.file("rsa.pem"),
        ]
        var unlockers: [[String]] = [["--passphrase-file", ws.file("pass")], ["--identity", ws.file("rsa.key")]]
        if n >= 4 { initArgs += ["--cert", ws.file("p256.pem")]; unlockers.append(["--identity", ws.file("p256.key")]) }
        while unlockers.count < n {
            let name = "x\(unlockers.count).id"
            initArgs += ["--recipient", try keygen(ws, name)]
            unlockers.append(["--identity", ws.file(name)])
        }
        let made = try CLI.run(initArgs)
        #expect(made.status == 0 && made.stdout.contains("for \(n) custodians, any \(k) of them together unlock it"), "\(made)")
        let listed = try CLI.run(["custodian", "list", ws.file("v.kv")])
        #expect(listed.stdout.contains("threshold: any \(k) of \(n) custodians together unlock this vault"), "\(listed)")
        _ = try ws.key("sm.bin")
        // Made from public keys: nothing has endorsed the key yet, so the first write says --endorse (the operator checked
        // the key fingerprint init printed); in a threshold vault each share combined must be vouched for.
        let sealed = try CLI.run(
            ["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--endorse"] + unlockers.prefix(k).flatMap { $0 })
        #expect(sealed.status == 0, "\(sealed)")
        for subset in subsets(unlockers, k) {
            let r = try CLI.run(["verify", ws.file("v.kv")] + subset.flatMap { $0 })
            #expect(r.status == 0 && r.stdout.contains("1 of 1 entries intact"), "subset \(subset): \(r)")
        }
        for subset in subsets(unlockers, k - 1) {
            let r = try CLI.run(["verify", ws.file("v.kv")] + subset.flatMap { $0 })
            #expect(r.status == 4, "subset \(subset): \(r)")
            #expect(r.error.hasPrefix("unlock failed: \(k - 1) of the \(k) custodians this vault needs were given (threshold \(k) of \(n))"), "\(r)")
            #expect(!r.error.contains("opens none of its slots"), "every credential given is a custodian's: \(r)")
        }
        // An identity that is no custodian's, given with one that is (and a copy of that one's file), is named as
        // such rather than counted; the copy of a custodian's file is not called a stranger.
        let stranger = try keygen(ws, "stranger.id")
        #expect(stranger.hasPrefix("kvr1"))
        try FileManager.default.copyItem(atPath: ws.file("rsa.key"), toPath: ws.file("rsa-copy.key"))
        let r = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("rsa.key"), "--identity", ws.file("rsa-copy.key"), "--identity", ws.file("stranger.id")])
        #expect(
            r.status == 4
                && r.error
                    == "unlock failed: 1 of the \(k) custodians this vault needs were given (threshold \(k) of \(n)); \(ws.file("stranger.id")) opens none of its slots (not a custodian of this vault, or its slot is damaged); add more with --identity FILE or --passphrase-file FILE",
            "\(r)")
        // Given alone, nothing opens: the stranger is still named (its public key is in no slot), where the message
        // said only "0 of the K custodians were given", as if --identity had been ignored.
        let alone = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("stranger.id")])
        #expect(
            alone.status == 4
                && alone.error
                    == "unlock failed: 0 of the \(k) custodians this vault needs were given (threshold \(k) of \(n)); \(ws.file("stranger.id")) is not a custodian of this vault (its public key is in none of its slots); add more with --identity FILE or --passphrase-file FILE",
            "\(alone)")
        // A wrong passphrase is called wrong, not a stranger: the vault has a passphrase custodian.
        try ws.write(Array("not the passphrase\n".utf8), to: "wrong.pass")
        let wrong = try CLI.run(["verify", ws.file("v.kv"), "--passphrase-file", ws.file("wrong.pass"), "--identity", ws.file("rsa.key")])
        #expect(
            wrong.status == 4
                && wrong.error
                    == "unlock failed: 1 of the \(k) custodians this vault needs were given (threshold \(k) of \(n)); the passphrase does not open the passphrase slot (wrong, or the slot is damaged); add more with --identity FILE or --passphrase-file FILE",
            "\(wrong)")
        // A custodian already in the vault is said to be one, not "named twice"; nothing is written.
        let before = try ws.read("v.kv")
        let again = try CLI.run(["custodian", "add", ws.file("v.kv"), "--recipient", stranger] + unlockers.prefix(k).flatMap { $0 })
        #expect(again.status == 0, "\(again)")
        let added = try ws.read("v.kv")
        let twice = try CLI.run(["custodian", "add", ws.file("v.kv"), "--recipient", stranger] + unlockers.prefix(k).flatMap { $0 })
        #expect(twice.status == 2 && twice.error.hasPrefix("that custodian is already in this vault (custodian ") && twice.error.hasSuffix(", slot \(n + 1)); nothing was added"), "\(twice)")
        #expect(try ws.read("v.kv") == added && added != before)
    }

    @Test func theWrongIdentityGivesExit4() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.run(["init", ws.file("v.kv"), "--recipient", try keygen(ws, "alice.id")])
        #expect(made.status == 0)
        _ = try keygen(ws, "mallory.id")
        let r = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("mallory.id")])
        #expect(r.status == 4, "\(r)")
        try certificate(ws, "stranger", ["rsa:2048"])
        let cert = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("stranger.key")])
        #expect(cert.status == 4, "\(cert)")
        let none = try CLI.run(["verify", ws.file("v.kv")])
        #expect(none.status == 2 && none.error == "this vault is unlocked by custodian identities: give --identity FILE or set KEYVAULT_IDENTITY_FILE", "\(none)")
    }

    @Test func refusedCertificatesNameTheirKeyType() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try openssl(ws, ["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "ed.key", "-out", "ed.pem", "-days", "30", "-subj", "/CN=ed"])
        try certificate(ws, "short", ["rsa:1024"])
        let ed = try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("ed.pem")])
        #expect(ed.status == 2 && ed.error.contains("Ed25519"), "\(ed)")
        let short = try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("short.pem")])
        #expect(short.status == 2 && short.error.contains("RSA key of 1024 bits is too short"), "\(short)")
        #expect(!ws.exists("v.kv"))
    }

    @Test func anEncryptedPrivateKeyAsksForItsPasswordFromAFile() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try certificate(ws, "p384", ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"])
        try ws.write(Array("key password 42\n".utf8), to: "keypass")
        try openssl(ws, ["pkcs8", "-topk8", "-in", "p384.key", "-out", "p384-enc.key", "-v2", "aes-256-cbc", "-passout", "file:keypass"])
        #expect(try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("p384.pem"), "--identity", ws.file("p384.key")]).status == 0)
        _ = try ws.key("dw.bin")
        let sealed = try CLI.run([
            "seal", ws.file("v.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"),
            "--identity", ws.file("p384-enc.key"), "--identity-passphrase-file", ws.file("keypass"),
        ])
        #expect(sealed.status == 0, "\(sealed)")
        let noPassword = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("p384-enc.key")])
        #expect(noPassword.status == 2 && noPassword.error.contains("--identity-passphrase-file"), "\(noPassword)")
        try ws.write(Array("not it\n".utf8), to: "wrongpass")
        let wrong = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("p384-enc.key"), "--identity-passphrase-file", ws.file("wrongpass")])
        #expect(wrong.status == 4, "\(wrong)")
    }

    @Test func initEndorsesWithAnEncryptedKeyWhosePasswordIsInAFile() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try certificate(ws, "rsa", ["rsa:2048"])
        try ws.write(Array("key password 43\n".utf8), to: "keypass")
        try openssl(ws, ["pkcs8", "-topk8", "-in", "rsa.key", "-out", "rsa-enc.key", "-v2", "aes-256-cbc", "-passout", "file:keypass"])
        // No terminal (the run is detached): without the file, init says which option gives the password.
        let asked = try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("rsa.pem"), "--identity", ws.file("rsa-enc.key")])
        #expect(asked.status == 2 && asked.error.contains("--identity-passphrase-file"), "\(asked)")
        #expect(!ws.exists("v.kv"))
        let made = try CLI.run([
            "init", ws.file("v.kv"), "--cert", ws.file("rsa.pem"), "--identity", ws.file("rsa-enc.key"),
            "--identity-passphrase-file", ws.file("keypass"),
        ])
        #expect(made.status == 0, "\(made)")
        let listed = try VaultBytes.json(try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"]))
        let custodians = try #require(listed["custodians"] as? [[String: Any]])
        #expect(custodians.count == 1 && custodians[0]["endorsed"] as? Bool == true, "endorsed at creation: \(listed)")
        let both = try CLI.run([
            "init", ws.file("w.kv"), "--cert", ws.file("rsa.pem"), "--identity", ws.file("rsa-enc.key"),
            "--identity-passphrase-file", "-", "--passphrase-file", "-",
        ])
        #expect(both.status == 2 && both.error == "--passphrase-file and --identity-passphrase-file cannot both read standard input", "\(both)")
    }

    /// A certificate that expires within 60 days (or the days given) makes the drill fail after recording itself, and
    /// `custodian list` warn; a certificate with longer to run does neither.
    @Test func aDrillFailsOnACustodianCertificateNearItsEnd() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try certificate(ws, "soon", ["rsa:2048"])  // 30 days
        try openssl(ws, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "later.key", "-out", "later.pem", "-days", "400", "-subj", "/CN=later"])
        let made = try CLI.run(["init", ws.file("v.kv"), "--cert", ws.file("soon.pem"), "--cert", ws.file("later.pem"), "--identity", ws.file("later.key")])
        #expect(made.status == 0, "\(made)")
        let id = try #require((try VaultBytes.json(try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"]))["custodians"] as? [[String: Any]])?.first?["id"] as? String)
        let drill = try CLI.run(["drill", ws.file("v.kv"), "--identity", ws.file("later.key")])
        #expect(drill.status == 5, "\(drill)")
        #expect(drill.error.hasPrefix("drill found 1 custodian certificate expired or expiring within 60 days: custodian \(id) (CN=soon): its certificate expires on "), "\(drill)")
        // The certificate was made moments ago for 30 days: 30 whole days are left, or 29 once a second has passed.
        #expect(
            [29, 30].contains { drill.error.hasSuffix(", in \($0) days; add its replacement (keyvault custodian add), then remove it") },
            "\(drill)")
        let log = try CLI.run(["log", ws.file("v.kv"), "--identity", ws.file("later.key")])
        #expect(log.stdout.contains("drill"), "the failing drill still recorded itself: \(log)")
        let relaxed = try CLI.run(["drill", ws.file("v.kv"), "--identity", ws.file("later.key"), "--certificate-warning-days", "20"])
        #expect(relaxed.status == 0, "\(relaxed)")
        let listed = try CLI.run(["custodian", "list", ws.file("v.kv")])
        #expect(listed.status == 0 && listed.stderr.contains("warning: custodian \(id) (CN=soon): its certificate expires on ") && !listed.stderr.contains("CN=later"), "\(listed)")
        let refused = try CLI.run(["drill", ws.file("v.kv"), "--certificate-warning-days", "4000"])
        #expect(refused.status == 2 && refused.error == "--certificate-warning-days must be from 0 to 3650, not 4000", "\(refused)")
    }

    @Test func aRemovedCustodianOpensNothingWrittenAfterRemoval() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        _ = try keygen(ws, "alice.id"); let bob = try keygen(ws, "bob.id")
        #expect(try CLI.run(["init", ws.file("v.kv"), "--identity", ws.file("alice.id"), "--identity", ws.file("bob.id")]).status == 0)
        _ = try ws.key("sm.bin")
        #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--identity", ws.file("bob.id")]).status == 0)
        let oldCopy = try ws.read("v.kv")
        try ws.write(oldCopy, to: "old-copy.kv")
        let listed = try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"])
        // {"id":"f88860f8","kind":"x25519","slot":2,"recipient":"kvr1..."}: the id of the object naming Bob's recipient.
        let bobObject = try #require(listed.stdout.components(separatedBy: "{\"id\":\"").first { $0.contains("\"recipient\":\"\(bob)\"") }, "\(listed)")
        let bobID = String(bobObject.prefix(8))
        let removed = try CLI.run(["custodian", "remove", ws.file("v.kv"), bobID, "--identity", ws.file("alice.id")])
        #expect(removed.status == 0 && removed.stdout.contains("removed custodian \(bobID) (x25519); re-keyed"), "\(removed)")
        #expect(removed.stderr.contains("a copy of the vault they kept from before still opens with their key"), "\(removed)")
        // The new key's fingerprint, which custodians compare from now on instead of the one init printed.
        let newFingerprint = try #require(removed.stdout.split(separator: "\n").first { $0.hasPrefix("new vault key fingerprint: ") }, "\(removed)")
        #expect(newFingerprint.count > 40 && newFingerprint.hasSuffix("(give it to the custodians: it replaces the one printed before)"), "\(removed)")
        let bobNow = try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("bob.id")])
        #expect(bobNow.status == 4, "\(bobNow)")
        #expect(try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("alice.id")]).status == 0)
        // What removal does not do: Bob's own old copy still opens with his key.
        #expect(try CLI.run(["verify", ws.file("old-copy.kv"), "--identity", ws.file("bob.id")]).status == 0)
        // Re-keyed: no ciphertext byte of the old vault's entry survives.
        let now = try ws.read("v.kv")
        #expect(Array(now.suffix(64)) != Array(oldCopy.suffix(64)))
        let missing = try CLI.run(["custodian", "remove", ws.file("v.kv"), "ffffffff", "--identity", ws.file("alice.id")])
        #expect(missing.status == 6 || missing.status == 2, "\(missing)")
        #expect(try ws.read("v.kv") == now)
    }

    /// New shares for a threshold vault: the custodians whose secrets were given endorse their new slots in the same
    /// write, the passphrase among the unlockers too (they lost every endorsement before), and the others are named.
    @Test func aCustodianAddedToAThresholdVaultKeepsTheGivenCustodiansEndorsements() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        _ = try keygen(ws, "alice.id"); _ = try keygen(ws, "bob.id"); let carol = try keygen(ws, "carol.id")
        try ws.write(Array("\(ws.passphrase)\n".utf8), to: "pass")
        let pass = ["--passphrase-file", ws.file("pass")]
        try #require(
            try CLI.run(
                ["init", ws.file("v.kv"), "--identity", ws.file("alice.id"), "--identity", ws.file("bob.id"), "--threshold", "2", "--kdf", "interactive"]
                    + pass
            ).status == 0)
        func endorsed() throws -> [Bool?] {
            let listed = try VaultBytes.json(try CLI.run(["custodian", "list", ws.file("v.kv"), "--json"]))
            return (listed["custodians"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "x25519" }.map { $0["endorsed"] as? Bool }
        }
        try #require(try endorsed() == [true, true])
        let added = try CLI.run(["custodian", "add", ws.file("v.kv"), "--recipient", carol, "--identity", ws.file("alice.id")] + pass)
        #expect(added.status == 0, "\(added)")
        // Alice's new slot endorsed; Bob's and Carol's not (their secrets were not given), and the note names them.
        #expect(try endorsed() == [true, false, false])
        #expect(added.stderr.contains("note: the vault key, in its new slots, is not endorsed by slot "), "\(added)")
        #expect(added.stderr.components(separatedBy: "(custodian ").count == 3, "Bob and Carol named: \(added)")
        // A machine that never saw the vault finds Alice's slot vouched for.
        let check = try CLI.run(["custodian", "check", ws.file("v.kv"), "--identity", ws.file("alice.id")])
        #expect(check.status == 0, "\(check)")
        // Bob's is not (until he endorses it): refused with why.
        let bobCheck = try CLI.run(["custodian", "check", ws.file("v.kv"), "--identity", ws.file("bob.id")])
        #expect(
            bobCheck.status == 3 && bobCheck.error.contains("to this vault: the slot carries no endorsement by its custodian, and this user has not seen the vault's key"),
            "\(bobCheck)")
    }

    @Test(arguments: ["1", "2"])
    func rekeyKeepsEntriesAndCustodians(format: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        _ = try keygen(ws, "alice.id")
        #expect(try CLI.run(["init", ws.file("v.kv"), "--identity", ws.file("alice.id"), "--format", format]).status == 0)
        _ = try ws.key("sm.bin"); _ = try ws.key("dw.bin")
        for (role, host, key) in [("sm", "SM01", "sm.bin"), ("dw", "DW01", "dw.bin")] {
            #expect(try CLI.run(["seal", ws.file("v.kv"), "--role", role, "--host", host, "--key", ws.file(key), "--identity", ws.file("alice.id")]).status == 0)
        }
        let before = try ws.read("v.kv")
        let listBefore = try CLI.run(["list", ws.file("v.kv"), "--json"]).stdout
        let r = try CLI.run(["rekey", ws.file("v.kv"), "--identity", ws.file("alice.id")])
        #expect(r.status == 0, "\(r)")
        let after = try ws.read("v.kv")
        // Format 1: the same size but for the audit log's record of the re-key (issue 6); format 2: a new file of the
        // next slot-area generation (a re-key is a rewrite, not an append).
        #expect(after != before && (format == "2" || after.count > before.count))
        if format == "2" { #expect(try CLI.run(["info", ws.file("v.kv")]).stdout.contains("slot area generation 2")) }
        // Fingerprints are keyed by the vault key (FORMAT.md), so a re-key changes them; everything else stays.
        let listAfter = try CLI.run(["list", ws.file("v.kv"), "--json"]).stdout
        func withoutFingerprints(_ json: String) -> String {
            json.replacingOccurrences(of: "\"fingerprint\":\"[0-9a-f]{64}\"", with: "", options: .regularExpression)
        }
        #expect(withoutFingerprints(listAfter) == withoutFingerprints(listBefore))
        #expect(listAfter != listBefore)
        #expect(try CLI.run(["verify", ws.file("v.kv"), "--identity", ws.file("alice.id")]).stdout.contains("2 of 2 entries intact"))
        _ = try keygen(ws, "eve.id")
        let refused = try CLI.run(["rekey", ws.file("v.kv"), "--identity", ws.file("eve.id")])
        #expect(refused.status == 4, "\(refused)")
        #expect(try ws.read("v.kv") == after)
    }

    @Test func goldenCustodianVaultsOpenThroughTheBinary() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
        let x = try CLI.run(["verify", "\(fixtures)/custodians/x25519.kv", "--identity", "\(fixtures)/custodians/alice.id"])
        #expect(x.status == 0, "\(x)")
        let v1 = try CLI.run(["list", "\(fixtures)/v1/two-roles.kv"])
        #expect(v1.status == 0 && v1.stdout.contains("sm") && v1.stdout.contains("dw"), "\(v1)")
    }
}
