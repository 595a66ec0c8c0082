// Vaults in a real PostgreSQL database (issue 14): the same commands and rules as on a file, writers from many
// processes at once, nothing secret in a dump, copies both ways, a least-privilege role, and a standby promoted.
import Foundation
import Testing

/// The database the tests use: `KEYVAULT_TEST_POSTGRES`, which scripts/test.sh sets to a throwaway cluster it starts
/// (scripts/postgres-cluster.sh) and stops afterwards.
enum TestDatabase {
    static let uri = ProcessInfo.processInfo.environment["KEYVAULT_TEST_POSTGRES"] ?? ""
    static let psql = "/usr/bin/psql"

    /// A vault location of a name no other test uses.
    static func location(_ tag: String) -> String { "\(uri)#\(tag)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// The vault name of a location.
    static func name(_ location: String) -> String { String(location[location.index(after: location.lastIndex(of: "#")!)...]) }

    /// `psql -Atc SQL` against `database` (default: the tests' own), as its one line of output.
    @discardableResult
    static func sql(_ statement: String, database: String = uri) throws -> String {
        let r = try CLI.execute([psql, "-X", "-v", "ON_ERROR_STOP=1", "-Atc", statement, database])
        guard r.status == 0 else { throw WorkspaceError(message: "psql failed: \(r)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Each stored write of vault `name`: its number and kind, in order.
    static func writes(_ name: String, database: String = uri) throws -> [String] {
        try sql("SELECT seq || ' ' || kind FROM keyvault_writes WHERE vault = '\(name)' ORDER BY seq", database: database)
            .split(separator: "\n").map(String.init)
    }
}

extension Trait where Self == ConditionTrait {
    /// A PostgreSQL database to keep vaults in.
    static var database: Self {
        .enabled(
            if: !TestDatabase.uri.isEmpty,
            "needs a PostgreSQL database in KEYVAULT_TEST_POSTGRES (scripts/test.sh starts a throwaway cluster and sets it)")
    }
}

@Suite(.database) struct DatabaseCLITests {
    @Test(.namedHosts) func aVaultInTheDatabaseKeepsTheHostRuleAndTheAuditChain() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("rule")
        let scratch = ws.file("tmp")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let cache = ws.file("cache")
        let env = ["TMPDIR": scratch, "XDG_CACHE_HOME": cache]
        let pass = ["--passphrase-file", ws.file("pass")]
        let made = try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: env)
        #expect(made.status == 0 && made.stdout.contains("created vault \(vault)"), "\(made)")
        let key = try ws.key("sm.bin", size: 4096)
        let sealed = try CLI.run(["seal", vault, "--role", "sm", "--host", "SM01.contoso.com", "--key", ws.file("sm.bin")] + pass, environment: env)
        #expect(sealed.status == 0, "\(sealed)")
        // On the computer of that name, the key comes back; on another, it is refused (exit 3) and nothing is written.
        let restored = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("out.bin")] + pass, host: "SM01", environment: env)
        #expect(restored.status == 0, "\(restored)")
        #expect(try ws.read("out.bin") == key)
        let refused = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("other.bin")] + pass, host: "SM02", environment: env)
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.error.hasPrefix("refused: the sm key in this vault belongs to SM01.contoso.com, but this computer is SM02"), "\(refused.error)")
        #expect(!ws.exists("other.bin"))
        // Every message names the vault as given, never the private copy a command works on.
        let missing = try CLI.run(["restore", vault, "--role", "dw", "--out", ws.file("dw.bin")] + pass, host: "SM01", environment: env)
        #expect(missing.status == 6 && !missing.stderr.contains(cache), "\(missing)")
        let log = try CLI.run(["log", vault] + pass, environment: env)
        #expect(log.status == 0 && log.stdout.contains("restore") && !log.stdout.contains(cache), "\(log)")
        let verify = try CLI.run(["verify", vault] + pass, environment: env)
        #expect(verify.status == 0 && verify.stdout.contains("1 of 1 entries intact"), "\(verify)")
        // The first write is the whole file; each later one what it changed; numbered without a gap. A refusal writes
        // nothing (as on a file), so there were three writes: init, seal, the restore's audit record.
        let writes = try TestDatabase.writes(TestDatabase.name(vault))
        #expect(writes == ["1 image", "2 patch", "3 patch"], "\(writes)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "a private copy was left in TMPDIR")
    }

    /// A custodian of a threshold vault in the database cannot check in alone (there is no file to check in beside):
    /// the refusal says how to check in instead, and that way works.
    @Test func aThresholdCustodianInTheDatabaseIsToldToCheckInWithADrill() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        for name in ["alice", "bob"] { try #require(try CLI.run(["keygen", "--out", ws.file("\(name).id")]).status == 0) }
        let vault = TestDatabase.location("thr")
        let ids = ["--identity", ws.file("alice.id"), "--identity", ws.file("bob.id")]
        try #require(try CLI.run(["init", vault, "--threshold", "2"] + ids).status == 0)
        let alone = try CLI.run(["custodian", "check", vault, "--identity", ws.file("alice.id")])
        #expect(
            alone.status == 1
                && alone.error
                    == "a custodian of a threshold vault checks in alone beside the vault file, which vault \(vault) in a database does not have: check in with a drill that enough custodians unlock together ('keyvault drill' with each one's --identity), which records each one's check-in; nothing was recorded",
            "\(alone)")
        let drill = try CLI.run(["drill", vault] + ids)
        #expect(drill.status == 0, "\(drill)")
        let listed = try VaultBytes.json(try CLI.run(["custodian", "list", vault, "--json"]))
        let checkIns = (listed["custodians"] as? [[String: Any]] ?? []).map { $0["lastCheckIn"] is String }
        #expect(checkIns == [true, true], "\(listed)")
    }

    @Test func aUsersOwnCopyIsBroughtUpToDateAndNeverTrustedBlindly() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("cache")
        let name = TestDatabase.name(vault)
        let pass = ["--passphrase-file", ws.file("pass")]
        let alice = ["XDG_CACHE_HOME": ws.file("alice")], bob = ["XDG_CACHE_HOME": ws.file("bob")]
        #expect(try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: alice).status == 0)
        _ = try ws.key("sm.bin")
        _ = try ws.key("dw.bin")
        func seal(_ role: String, _ host: String, _ env: [String: String], key: String? = nil) throws {
            let r = try CLI.run(["seal", vault, "--role", role, "--host", host, "--key", ws.file(key ?? "\(role).bin")] + pass, environment: env)
            #expect(r.status == 0, "\(r)")
        }
        func hosts(_ env: [String: String]) throws -> String {
            let r = try CLI.run(["list", vault] + pass, environment: env)
            #expect(r.status == 0, "\(r)")
            return r.stdout
        }
        // Alice seals; Bob, who has no copy yet, fetches the vault whole and seals; Alice's copy is then one write
        // behind, and is brought up to date.
        try seal("sm", "SM01", alice)
        try seal("dw", "DW01", bob)
        let listed = try hosts(alice)
        #expect(listed.contains("SM01") && listed.contains("DW01"), "\(listed)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch", "3 patch"])
        // Alice's copy: a folder of its own (0700) holding the vault's bytes exactly as the database holds them (0600)
        // and the record of the write they are at.
        let base = ws.file("alice/keyvault/databases")
        let folders = try FileManager.default.contentsOfDirectory(atPath: base)
        #expect(folders.count == 1)
        let folder = "\(base)/\(folders[0])"
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == [name, ".state", ".lock"])
        #expect(try ws.mode("alice/keyvault/databases/\(folders[0])") == 0o700 && ws.mode("alice/keyvault/databases/\(folders[0])/\(name)") == 0o600)
        #expect(try CLI.run(["copy", vault, ws.file("db.kv")]).status == 0)
        let copy = "\(folder)/\(name)"
        #expect(try ws.read("db.kv") == Array(FileManager.default.contents(atPath: copy) ?? Data()))
        // Its record: the write (3), then its time, its row's length, the file's size and how the file was left.
        #expect(try String(contentsOfFile: "\(folder)/.state", encoding: .utf8).hasPrefix("keyvault database cache 2\n3 "))
        func damage(_ path: String, slotCopies: Int = 2) throws {
            var bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
            let slotCopy = Int(bytes[12]) << 24 | Int(bytes[13]) << 16 | Int(bytes[14]) << 8 | Int(bytes[15])
            for offset in [4096 + 40, 4096 + slotCopy + 40].prefix(slotCopies) { bytes[offset] ^= 0xFF }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(bytes))
            try handle.close()
        }
        // Both copies of the slot area damaged by hand in Alice's copy: changed since it was left (its times), it is
        // not used; the command reads the vault from the database whole.
        try damage(copy)
        #expect(try hosts(alice).contains("DW01"))
        // The same damage as a bad disk would do it, the copy's times as they were (its record rewritten to match):
        // the command fails (exit 5), says it read her copy and removed it; run again, it reads the database whole.
        // A command's own report of damage (verify, finding one slot copy damaged) says the same in a note.
        func rot(_ path: String, slotCopies: Int = 2) throws {
            try damage(path, slotCopies: slotCopies)
            var st = stat()
            #expect(lstat(path, &st) == 0)
            let record = try String(contentsOfFile: "\(folder)/.state", encoding: .utf8).split(separator: "\n")
            let fields = record[1].split(separator: " ").prefix(4).joined(separator: " ")
            let identity = [
                Int64(bitPattern: UInt64(st.st_dev)), Int64(bitPattern: UInt64(st.st_ino)), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
            ].map(String.init).joined(separator: " ")
            try "\(record[0])\n\(fields) \(identity)\n".write(toFile: "\(folder)/.state", atomically: false, encoding: .utf8)
        }
        try rot(copy)
        let damaged = try CLI.run(["list", vault] + pass, environment: alice)
        #expect(damaged.status == 5 && damaged.error.contains("(this user's own copy of the vault, in \(folder), was read and has been removed"), "\(damaged)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [".lock"])
        #expect(try hosts(alice).contains("DW01"))
        try rot(copy, slotCopies: 1)
        let verified = try CLI.run(["verify", vault] + pass, environment: alice)
        #expect(
            verified.status == 5
                && verified.stderr.contains("note: this user's copy of vault \(vault), kept from an earlier command, was read and has been removed"),
            "\(verified)")
        #expect(try CLI.run(["verify", vault] + pass, environment: alice).status == 0)
        // A copy whose command was cut short has no record, and is never used, damaged or not.
        try FileManager.default.removeItem(atPath: "\(folder)/.state")
        try damage(copy)
        #expect(try hosts(alice).contains("DW01"))
        // The vault deleted and made again under the same name, with as many writes: Alice's copy, of another history,
        // is not used (its write's time and length do not match).
        #expect(try CLI.run(["init", ws.file("other.kv"), "--kdf", "interactive"] + pass).status == 0)
        try TestDatabase.sql("DELETE FROM keyvault_writes WHERE vault = '\(name)'; DELETE FROM keyvault_vaults WHERE name = '\(name)'")
        #expect(try CLI.run(["copy", ws.file("other.kv"), vault]).status == 0)
        try seal("sm", "SM09", bob)
        try seal("dw", "DW09", bob)
        #expect(try TestDatabase.writes(name).count == 3)
        let again = try hosts(alice)
        #expect(again.contains("SM09") && again.contains("DW09") && !again.contains("SM01"), "\(again)")
        // Every write Alice stored is what a whole read of the database gives.
        _ = try ws.key("sm10.bin")
        try seal("sm", "SM10", alice, key: "sm10.bin")
        #expect(try CLI.run(["copy", vault, ws.file("db2.kv")]).status == 0)
        #expect(try ws.read("db2.kv") == Array(FileManager.default.contents(atPath: copy) ?? Data()))
        #expect(try CLI.run(["verify", ws.file("db2.kv")] + pass).status == 0)
        // A rewrite (compact renames a new file into place) is stored as its difference from the database's own bytes,
        // after checking that the copy it started from was those bytes: from a rotten copy, nothing is stored.
        let writes = try TestDatabase.writes(name)
        try rot(copy, slotCopies: 1)
        let rotten = try CLI.run(["compact", vault] + pass, environment: alice)
        #expect(
            rotten.status == 5
                && rotten.error.hasPrefix("this user's copy of vault \(vault), in \(folder), is not what the database holds (changed on this disk); nothing was stored"),
            "\(rotten)")
        #expect(try TestDatabase.writes(name) == writes)
        let compacted = try CLI.run(["compact", vault] + pass, environment: alice)
        #expect(compacted.status == 0, "\(compacted)")
        #expect(try TestDatabase.writes(name).count == writes.count + 1)
        #expect(try CLI.run(["copy", vault, ws.file("db3.kv")]).status == 0)
        #expect(try ws.read("db3.kv") == Array(FileManager.default.contents(atPath: copy) ?? Data()))
        let again3 = try CLI.run(["verify", ws.file("db3.kv")] + pass)
        #expect(again3.status == 0 && again3.stdout.contains("SM10"), "\(again3)")
    }

    /// A passphrase typed at a prompt is asked before the vault is locked in the database: another site's seal goes
    /// through while this seal, restore or checkpoint waits for a person (before, it waited two minutes for the lock
    /// and failed), and the waiting command then works on the vault as it is after that seal, asking nothing twice.
    @Test(
        .namedHosts, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"),
        arguments: ["seal", "restore", "checkpoint"])
    func aPromptDoesNotKeepTheVaultLockedForOthers(command: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("prompt")
        let pass = ["--passphrase-file", ws.file("pass")]
        let alice = ["XDG_CACHE_HOME": ws.file("alice")]
        #expect(try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: alice).status == 0)
        for n in 1...3 { _ = try ws.key("sm\(n).bin", size: 1296 + n) }
        // Alice's first seal leaves her a copy of the vault; her next command asks for the passphrase on a terminal, in
        // a namespace whose host name is SM01, and Bob (another machine: a copy of his own) seals while she has not
        // typed it yet. Her server ends a session idle for 2 s; she types after more than 3: no connection she works on
        // is open while she types.
        #expect(try CLI.run(["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm1.bin")] + pass, environment: alice).status == 0)
        let aliceArguments =
            switch command {
            case "seal": ["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm3.bin")]
            case "restore": ["restore", vault, "--role", "sm", "--out", ws.file("out.bin")]
            default: ["checkpoint", vault]
            }
        let aliceCommand = ([CLI.binary] + aliceArguments).map(Self.shellQuoted).joined(separator: " ")
        let script = """
            ws="$1"
            ( i=0
              until grep -q 'Vault passphrase:' "$ws/typescript" 2>/dev/null; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done
              XDG_CACHE_HOME="$ws/bob" "$2" seal "$3" --role sm --host SM01 --key "$ws/sm2.bin" --passphrase-file "$ws/pass" >"$ws/bob.out" 2>&1
              echo $? >"$ws/bob.status"
              sleep 3
              cat "$ws/pass"
              sleep 5 ) | XDG_CACHE_HOME="$ws/alice" PGOPTIONS='-c idle_session_timeout=2000' /usr/bin/script -q -e -f -c "$0" "$ws/typescript"
            """
        let r = try CLI.execute([
            "/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname SM01 && exec /bin/sh -c \"$0\" \"$@\"", script, aliceCommand, ws.path, CLI.binary, vault,
        ])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        let bob = String(decoding: try ws.read("bob.out"), as: UTF8.self)
        #expect(String(decoding: try ws.read("bob.status"), as: UTF8.self) == "0\n", "Bob's seal waited for Alice's prompt: \(bob)")
        #expect(bob.contains("sealed the sm key of SM01 as version 2"), "\(bob)")
        switch command {
        case "seal":
            #expect(r.status == 0 && shown.contains("sealed the sm key of SM01 as version 3"), "\(r)\n\(shown)")
        case "restore":
            #expect(r.status == 0 && shown.contains("restored the sm key of SM01 (version 2,"), "\(r)\n\(shown)")
            #expect(try ws.read("out.bin") == ws.read("sm2.bin"))
        default:
            // The line names the vault as it is after Bob's seal: the one a checkpoint made now gives (a checkpoint
            // writes nothing).
            let now = try CLI.run(["checkpoint", vault] + pass, environment: alice)
            let line = now.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(r.status == 0 && now.status == 0 && !line.isEmpty && shown.contains(line), "\(r)\n\(shown)\n\(now)")
        }
        #expect(shown.components(separatedBy: "Vault passphrase:").count == 2 && !shown.contains(ws.passphrase), "asked once, nothing echoed:\n\(shown)")
        let list = try CLI.run(["list", vault, "--json"] + pass)
        let newest = command == "seal" ? 3 : 2
        #expect(list.status == 0 && (1...newest).allSatisfy { list.stdout.contains("\"version\":\($0),") } && !list.stdout.contains("\"version\":\(newest + 1),"), "\(list)")
    }

    /// This user's copy may be behind the database, and nothing in it is trusted: when the vault's passphrase was
    /// replaced at another site since, the new one does not open the copy, and it is asked again once the vault is read
    /// as it is now, instead of the command being refused.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func aPassphraseReplacedElsewhereIsAskedAgainUnderTheLock() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("replaced")
        let pass = ["--passphrase-file", ws.file("pass")]
        let alice = ["XDG_CACHE_HOME": ws.file("alice")], bob = ["XDG_CACHE_HOME": ws.file("bob")]
        #expect(try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: alice).status == 0)
        _ = try ws.key("sm1.bin")
        _ = try ws.key("sm2.bin", size: 1300)
        #expect(try CLI.run(["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm1.bin")] + pass, environment: alice).status == 0)
        // Bob replaces the passphrase custodian: an identity first, then the old passphrase out and a new one in (he
        // vouches for the vault's key: his identity's slot is new to him).
        let newPassphrase = "a new passphrase for the vault"
        _ = try ws.write(Array("\(newPassphrase)\n".utf8), to: "new")
        let recipient = try CLI.run(["keygen", "--out", ws.file("bob.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for step in [
            ["custodian", "add", vault, "--recipient", recipient] + pass,
            ["custodian", "remove", vault, "passphrase", "--identity", ws.file("bob.id"), "--endorse"],
            ["custodian", "add", vault, "--new-passphrase-file", ws.file("new"), "--identity", ws.file("bob.id"), "--endorse"],
        ] {
            let r = try CLI.run(step, environment: bob)
            #expect(r.status == 0, "\(step): \(r)")
        }
        // Alice, on a terminal, types the new passphrase: three times against her copy (refused there), then once
        // more against the vault as it is now.
        let aliceSeal = [CLI.binary, "seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm2.bin")].map(Self.shellQuoted).joined(separator: " ")
        // Each line is typed once its prompt is shown (echo is off only while a prompt waits).
        let typed = (1...4).map { n in
            "i=0; until [ $(grep -o 'Vault passphrase:' \"$1\" 2>/dev/null | wc -l) -ge \(n) ]; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done; printf '%s\\n' \(Self.shellQuoted(newPassphrase))"
        }.joined(separator: "; ")
        let r = try CLI.execute(
            ["/bin/sh", "-c", "(\(typed); sleep 5) | /usr/bin/script -q -e -f -c \"$0\" \"$1\"", aliceSeal, ws.file("typescript")], environment: alice)
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        #expect(r.status == 0 && shown.contains("sealed the sm key of SM01 as version 2"), "\(r)\n\(shown)")
        #expect(shown.contains("wrong passphrase, or this user's copy of the vault is out of date; try again (2 tries left)"), "\(shown)")
        #expect(shown.contains("note: that passphrase does not open this user's copy of the vault, which may be out of date"), "\(shown)")
        #expect(shown.components(separatedBy: "Vault passphrase:").count == 5 && !shown.contains(newPassphrase), "asked four times, nothing echoed:\n\(shown)")
    }

    /// A command that never asks for the passphrase asks ahead of the lock for what it does ask: `list` with a
    /// custodian's encrypted private key asks its password while another site's seal goes through, then lists (and
    /// authenticates) the vault as it is after that seal, asking once.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func aKeyPasswordIsAskedBeforeTheLockByAListing() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("keypassword")
        let alice = ["XDG_CACHE_HOME": ws.file("alice")]
        let keyPassword = "key password 44"
        try ws.write(Array("\(keyPassword)\n".utf8), to: "keypass")
        for arguments in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "p384.key", "-out", "p384.pem", "-days", "30", "-subj", "/CN=p384"],
            ["pkcs8", "-topk8", "-in", "p384.key", "-out", "p384-enc.key", "-v2", "aes-256-cbc", "-passout", "file:keypass"],
        ] {
            let r = try CLI.execute(["/usr/bin/openssl"] + arguments, in: ws.path)
            #expect(r.status == 0, "openssl \(arguments): \(r)")
        }
        let identity = ["--identity", ws.file("p384.key")]
        #expect(try CLI.run(["init", vault, "--cert", ws.file("p384.pem")] + identity, environment: alice).status == 0)
        for n in 1...2 { _ = try ws.key("sm\(n).bin", size: 1296 + n) }
        // Alice's seal leaves her a copy; her listing then waits at the key's password prompt while Bob seals.
        #expect(try CLI.run(["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm1.bin")] + identity, environment: alice).status == 0)
        let aliceList = [CLI.binary, "list", vault, "--json", "--identity", ws.file("p384-enc.key")].map(Self.shellQuoted).joined(separator: " ")
        let script = """
            ws="$1"
            ( i=0
              until grep -q 'Password for the private key' "$ws/typescript" 2>/dev/null; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done
              XDG_CACHE_HOME="$ws/bob" "$2" seal "$3" --role sm --host SM01 --key "$ws/sm2.bin" --identity "$ws/p384.key" >"$ws/bob.out" 2>&1
              echo $? >"$ws/bob.status"
              cat "$ws/keypass"
              sleep 5 ) | XDG_CACHE_HOME="$ws/alice" /usr/bin/script -q -e -f -c "$0" "$ws/typescript"
            """
        let r = try CLI.execute(["/bin/sh", "-c", script, aliceList, ws.path, CLI.binary, vault])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        let bob = String(decoding: try ws.read("bob.out"), as: UTF8.self)
        #expect(String(decoding: try ws.read("bob.status"), as: UTF8.self) == "0\n", "Bob's seal waited for Alice's prompt: \(bob)")
        #expect(r.status == 0, "\(r)\n\(shown)")
        #expect(shown.contains("\"authenticated\":true") && shown.contains("\"version\":2,"), "lists the vault as it is after Bob's seal: \(shown)")
        #expect(shown.components(separatedBy: "Password for the private key").count == 2 && !shown.contains(keyPassword), "asked once, nothing echoed:\n\(shown)")
    }

    /// What a restore refuses before asking for anything on a file (here, the host rule) it still refuses before
    /// asking for a vault in a database: nothing is asked ahead of the lock when this user's copy says the restore
    /// would be refused, and under the lock the refusal comes first, as on a file.
    @Test(.namedHosts, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func aRestoreOnTheWrongComputerIsRefusedBeforeAnythingIsAsked() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("ask-order")
        let pass = ["--passphrase-file", ws.file("pass")]
        let alice = ["XDG_CACHE_HOME": ws.file("alice")]
        #expect(try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: alice).status == 0)
        _ = try ws.key("sm.bin")
        #expect(try CLI.run(["seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + pass, environment: alice).status == 0)
        let restore = [CLI.binary, "restore", vault, "--role", "sm", "--out", ws.file("sm.out")].map(Self.shellQuoted).joined(separator: " ")
        let r = try CLI.execute(
            [
                "/usr/bin/unshare", "--uts", "/bin/sh", "-c",
                "hostname SM02 && (sleep 1; printf '%s\\n' \"$2\"; sleep 3) | /usr/bin/script -q -e -f -c \"$0\" \"$1\"", restore, ws.file("typescript"),
                ws.passphrase,
            ], environment: alice)
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        #expect(r.status == 3 && shown.contains("refused: the sm key in this vault belongs to SM01, but this computer is SM02"), "\(r)\n\(shown)")
        #expect(!shown.contains("Vault passphrase:") && !ws.exists("sm.out"), "\(shown)")
    }

    /// Also with the role's default isolation set to repeatable read (`PGOPTIONS`, as `ALTER ROLE … SET` would): a
    /// writer's transaction is read committed whatever the default (each writer that waited for the lock failed, as
    /// "another write was stored first", when it took the default's snapshot before the lock was had).
    @Test(arguments: ["", "-c default_transaction_isolation=repeatable\\ read"])
    func eightConcurrentWritersAllLandWithConsecutiveVersions(options: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location(options.isEmpty ? "writers" : "writers-rr")
        let environment = options.isEmpty ? [:] : ["PGOPTIONS": options]
        #expect(try CLI.run(["keygen", "--out", ws.file("id")]).status == 0)
        #expect(try CLI.run(["init", vault, "--identity", ws.file("id")]).status == 0)
        let writers = 8, each = 3
        for i in 0..<writers { for j in 0..<each { _ = try ws.key("k\(i)-\(j).bin", size: 64 + i) } }
        nonisolated(unsafe) var results = [[Run?]](repeating: [], count: writers)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: writers) { i in
            var mine: [Run?] = []
            for j in 0..<each {
                mine.append(
                    try? CLI.run(
                        [
                            "seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("k\(i)-\(j).bin"), "--label", "writer \(i) seal \(j)", "--identity",
                            ws.file("id"),
                        ], environment: environment))
            }
            lock.lock(); results[i] = mine; lock.unlock()
        }
        for (i, runs) in results.enumerated() { for r in runs { #expect(r?.status == 0, "writer \(i): \(String(describing: r))") } }
        let list = try CLI.run(["list", vault, "--json", "--identity", ws.file("id")])
        #expect(list.status == 0)
        let total = writers * each
        for version in 1...total { #expect(list.stdout.contains("\"version\":\(version),"), "version \(version) missing") }
        #expect(!list.stdout.contains("\"version\":\(total + 1),"))
        for i in 0..<writers { for j in 0..<each { #expect(list.stdout.contains("\"label\":\"writer \(i) seal \(j)\""), "writer \(i)'s seal \(j) was lost") } }
        let verify = try CLI.run(["verify", vault, "--identity", ws.file("id")])
        #expect(verify.status == 0 && verify.stdout.contains("\(total) of \(total) entries intact"), "\(verify)")
        let writes = try TestDatabase.writes(TestDatabase.name(vault))
        #expect(writes.map { $0.split(separator: " ")[0] } == (1...writes.count).map { "\($0)" })
        #expect(writes.count >= 1 + total)
    }

    /// A vault name recorded with no write (which the insert-only role can do) holds no vault: `init` takes it, where it
    /// failed with "another write was stored first".
    @Test func aNameRecordedWithoutAWriteIsTakenByInit() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try #require(try CLI.run(["init", TestDatabase.location("schema"), "--passphrase-file", ws.file("pass"), "--kdf", "interactive"]).status == 0)
        let vault = TestDatabase.location("squatted")
        try TestDatabase.sql("INSERT INTO keyvault_vaults (name) VALUES ('\(TestDatabase.name(vault))')")
        let r = try CLI.run(["init", vault, "--passphrase-file", ws.file("pass"), "--kdf", "interactive"])
        #expect(r.status == 0, "\(r)")
        #expect(try TestDatabase.writes(TestDatabase.name(vault)) == ["1 image"])
    }

    @Test(.tool("/usr/bin/pg_dump")) func aDumpOfTheDatabaseHoldsNoKeyPasswordOrPassphrase() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        // A database of its own, so that the dump is all of a database and holds nothing of the other tests.
        let database = "dump_\(UUID().uuidString.prefix(8).lowercased())"
        try TestDatabase.sql("CREATE DATABASE \(database)")
        defer { _ = try? TestDatabase.sql("DROP DATABASE \(database)") }
        let uri = TestDatabase.uri.replacingOccurrences(of: "/keyvault", with: "/\(database)")
        let vault = "\(uri)#dump"
        #expect(try CLI.run(["init", vault, "--passphrase-file", ws.file("pass"), "--kdf", "interactive"]).status == 0)
        let key = try ws.key("sm.bin", size: 4096)
        let exportPassword = "Export-Password-\(UUID().uuidString)"
        try ws.write(Array("\(exportPassword)\n".utf8), to: "export")
        let sealed = try CLI.run([
            "seal", vault, "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--key-password-file", ws.file("export"),
            "--passphrase-file", ws.file("pass"),
        ])
        #expect(sealed.status == 0, "\(sealed)")
        #expect(try CLI.run(["copy", vault, ws.file("copy.kv")]).status == 0)
        let dump = try CLI.execute(["/usr/bin/pg_dump", "-d", uri])
        #expect(dump.status == 0, "\(dump.stderr)")
        let text = dump.stdout
        // The dump is the real thing: it holds the vault's bytes (its first 64, in bytea's hex) ...
        let stored = try ws.read("copy.kv")
        #expect(text.contains(hex(Array(stored[0..<64]))), "the dump does not hold the vault")
        // ... and no 16 bytes of the key in a row, at any offset (a stored byte string's hex is byte-aligned), nor in
        // the clear; neither the export password nor the passphrase.
        for offset in stride(from: 0, to: key.count - 16, by: 16) {
            #expect(!text.contains(hex(Array(key[offset..<(offset + 16)]))), "key bytes \(offset)... are in the dump")
        }
        #expect(!Data(dump.stdout.utf8).contains(Data(key[0..<16])))
        #expect(!text.contains(exportPassword))
        #expect(!text.contains(ws.passphrase))
        #expect(!text.contains(hex(Array(exportPassword.utf8))) && !text.contains(hex(Array(ws.passphrase.utf8))))
    }

    @Test func copiesBetweenFilesAndDatabasesVerifyIdentically() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        for (i, role) in ["sm", "dw", "ssp"].enumerated() {
            _ = try ws.key("\(role).bin", size: 512 + i)
            #expect(try ws.seal(role: role, host: "HOST\(i)", key: "\(role).bin").status == 0)
        }
        let pass = ["--passphrase-file", ws.file("pass")]
        let database = TestDatabase.location("copy"), second = TestDatabase.location("copy2")
        let toDatabase = try CLI.run(["copy", ws.file("vault.kv"), database])
        #expect(toDatabase.status == 0 && toDatabase.stdout.contains("3 entries"), "\(toDatabase)")
        #expect(try CLI.run(["copy", database, second]).status == 0)
        #expect(try CLI.run(["copy", second, ws.file("back.kv")]).status == 0)
        #expect(try ws.read("back.kv") == ws.read("vault.kv"))
        #expect(try ws.mode("back.kv") == 0o600)
        let reports = try [ws.file("vault.kv"), database, second, ws.file("back.kv")].map { place -> [String] in
            let verify = try CLI.run(["verify", place] + pass), log = try CLI.run(["log", place, "--json"] + pass)
            #expect(verify.status == 0 && log.status == 0, "\(verify)\n\(log)")
            // (The JSON names the vault as it was given.)
            return [verify.stdout, log.stdout.replacingOccurrences(of: place, with: "VAULT")]
        }
        for report in reports.dropFirst() { #expect(report == reports[0]) }
        // A copy never replaces anything: an existing file or vault name is refused (exit 2) and left as it was.
        let onFile = try CLI.run(["copy", database, ws.file("vault.kv")])
        #expect(onFile.status == 2 && onFile.error == "\(ws.file("vault.kv")) already exists; nothing was written", "\(onFile)")
        let before = try TestDatabase.writes(TestDatabase.name(database))
        let onVault = try CLI.run(["copy", ws.file("back.kv"), database])
        #expect(onVault.status == 2 && onVault.error == "vault \(database) already exists; choose another name after '#'", "\(onVault)")
        #expect(try TestDatabase.writes(TestDatabase.name(database)) == before)
        // What is not a vault is not copied, and leaves no vault of that name behind.
        try ws.write(Array("not a vault\n".utf8), to: "junk.kv")
        let junk = TestDatabase.location("junk")
        let refused = try CLI.run(["copy", ws.file("junk.kv"), junk])
        #expect(refused.status == 5 && refused.error.hasSuffix("; nothing was copied"), "\(refused)")
        #expect(try TestDatabase.sql("SELECT count(*) FROM keyvault_vaults WHERE name = '\(TestDatabase.name(junk))'") == "0")
        // A checkpoint made on the file holds for its copies in either store: the same records, the same key.
        let checkpoint = try CLI.run(["checkpoint", ws.file("vault.kv")] + pass)
        let line = checkpoint.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(checkpoint.status == 0 && line.hasPrefix("kvcp1:"), "\(checkpoint)")
        for place in [database, ws.file("back.kv")] {
            let checked = try CLI.run(["verify", place, "--checkpoint", line] + pass)
            #expect(checked.status == 0 && checked.stdout.contains("checkpoint: the vault is where the checkpoint left it"), "\(place): \(checked)")
        }
        // A seal into the database copy, copied out again, is there.
        _ = try ws.key("sm2.bin", size: 700)
        let seal = try CLI.run(["seal", database, "--role", "sm", "--host", "HOST0", "--key", ws.file("sm2.bin")] + pass)
        #expect(seal.status == 0, "\(seal)")
        #expect(try CLI.run(["copy", database, ws.file("after.kv")]).status == 0)
        let list = try CLI.run(["list", ws.file("after.kv"), "--json"] + pass)
        #expect(list.stdout.contains("\"version\":2,"), "\(list)")
        // ... and the checkpoint made before it still holds there (further on), and at the file it was made on.
        let further = try CLI.run(["verify", database, "--checkpoint", line, "--json"] + pass)
        #expect(further.status == 0 && further.stdout.contains("\"state\":\"newer\""), "\(further)")
    }

    @Test func badLocationsAreRefusedInOneLineAndWriteNothing() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let pass = ["--passphrase-file", ws.file("pass")]
        let cases: [(String, Int32, String)] = [
            (TestDatabase.uri, 2, "database location has no vault name: end it with #NAME (postgresql://host/dbname#NAME)"),
            (TestDatabase.uri + "#", 2, "database location has an empty vault name after '#': end it with #NAME (postgresql://host/dbname#NAME)"),
            (
                TestDatabase.uri + "#../etc", 2,
                "vault name '../etc' is not allowed: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"
            ),
            (
                "postgresql://u:secret@127.0.0.1/db#v", 2,
                "database location has a password in it, which every user of this machine can read in the process list: put it in ~/.pgpass (or the file PGPASSFILE names) instead"
            ),
            (
                "postgresql://u:p?ssword@127.0.0.1/db#v", 2,
                "database location has a password in it, which every user of this machine can read in the process list: put it in ~/.pgpass (or the file PGPASSFILE names) instead"
            ),
            (
                "postgresql://127.0.0.1/db?%70assword=secret#v", 2,
                "database location has a password in it, which every user of this machine can read in the process list: put it in ~/.pgpass (or the file PGPASSFILE names) instead"
            ),
            (
                "postgresql://127.0.0.1/db?application_name=\"x\"#v", 2,
                "database location may hold only printable ASCII without spaces, '\"' or '\\' (percent-encode anything else, as URIs do)"
            ),
        ]
        for (location, status, message) in cases {
            let r = try CLI.run(["list", location] + pass)
            #expect(r.status == status && r.error == message, "\(location): \(r)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        // A database of its own, so that what it holds does not depend on which other tests ran first: no tables yet,
        // then tables and no vault of that name.
        let database = "fresh_\(UUID().uuidString.prefix(8).lowercased())"
        try TestDatabase.sql("CREATE DATABASE \(database)")
        defer { _ = try? TestDatabase.sql("DROP DATABASE \(database)") }
        let fresh = TestDatabase.uri.replacingOccurrences(of: "/keyvault", with: "/\(database)")
        let missing = "\(fresh)#missing"
        let noTables = try CLI.run(["list", missing] + pass)
        #expect(
            noTables.status == 2
                && noTables.error
                    == "\(fresh) holds no keyvault tables: 'keyvault init' makes them with the first vault, or 'keyvault db migrate' alone",
            "\(noTables)")
        #expect(try CLI.run(["db", "migrate", fresh]).status == 0)
        let none = try CLI.run(["list", missing] + pass)
        #expect(none.status == 2 && none.error == "vault \(missing) does not exist (no vault of that name in the database)", "\(none)")
        let unreachable = try CLI.run(["list", "postgresql://postgres@127.0.0.1:1/keyvault#v"] + pass)
        #expect(unreachable.status == 1 && unreachable.error.hasPrefix("cannot connect to postgresql://postgres@127.0.0.1:1/keyvault: "), "\(unreachable)")
        // A failed init stores nothing.
        let badInit = try CLI.run(["init", missing, "--recipient", "kvr1notarecipient"])
        #expect(badInit.status == 2, "\(badInit)")
        #expect(try TestDatabase.sql("SELECT count(*) FROM keyvault_vaults", database: fresh) == "0")
        #expect(try TestDatabase.sql("SELECT count(*) FROM keyvault_writes", database: fresh) == "0")
    }

    @Test func aRoleThatMayOnlyInsertAndReadCanSealButNotRewriteHistory() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("role")
        try ws.initVault()
        #expect(try CLI.run(["copy", ws.file("vault.kv"), vault]).status == 0)
        let role = "kv_writer_\(UUID().uuidString.prefix(8).lowercased())"
        try TestDatabase.sql(
            "CREATE ROLE \(role) LOGIN; GRANT SELECT ON keyvault_schema TO \(role); GRANT SELECT, INSERT ON keyvault_vaults, keyvault_writes TO \(role)")
        let asRole = TestDatabase.uri.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://\(role)@")
        let name = TestDatabase.name(vault)
        _ = try ws.key("sm.bin")
        let sealed = try CLI.run(["seal", "\(asRole)#\(name)", "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"), "--passphrase-file", ws.file("pass")])
        #expect(sealed.status == 0, "\(sealed)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        for statement in ["UPDATE keyvault_writes SET bytes = '' WHERE vault = '\(name)'", "DELETE FROM keyvault_writes WHERE vault = '\(name)'"] {
            let r = try CLI.execute([TestDatabase.psql, "-X", "-Atc", statement, asRole])
            #expect(r.status != 0 && r.stderr.contains("permission denied"), "\(statement): \(r)")
        }
        // A role that may only read lists the vault, but no key leaves a vault it could not record the restore in.
        let reader = role + "_ro"
        try TestDatabase.sql(
            "CREATE ROLE \(reader) LOGIN; GRANT SELECT ON keyvault_schema, keyvault_vaults, keyvault_writes TO \(reader)")
        let asReader = TestDatabase.uri.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://\(reader)@")
        let listed = try CLI.run(["list", "\(asReader)#\(name)", "--passphrase-file", ws.file("pass")])
        #expect(listed.status == 0 && listed.stdout.contains("SM01"), "\(listed)")
        let restore = try CLI.run(["restore", "\(asReader)#\(name)", "--role", "sm", "--out", ws.file("out.bin"), "--passphrase-file", ws.file("pass")])
        #expect(restore.status == 1 && restore.error.hasPrefix("vault \(asReader)#\(name) cannot be written here (a standby server, a read-only transaction, or a role without INSERT)"), "\(restore)")
        #expect(!ws.exists("out.bin"))
        // A seal it cannot store fails in one line, stores nothing, and leaves this user's record of the vault where
        // it was: the same user's next seal, as a role that may insert, is not refused as a roll-back.
        _ = try ws.key("dw.bin")
        let state = ["XDG_STATE_HOME": ws.file("state")]
        let dw = ["--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin"), "--passphrase-file", ws.file("pass")]
        let notStored = try CLI.run(["seal", "\(asReader)#\(name)"] + dw, environment: state)
        #expect(
            notStored.status == 1 && notStored.error.hasPrefix("cannot store the change to vault \(asReader)#\(name): the database refused: permission denied"),
            "\(notStored)")
        // Nothing says "sealed" of a seal the database did not store (it did, before the error).
        #expect(notStored.stdout.isEmpty, "\(notStored)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        // A re-key it cannot store prints no new fingerprint, and leaves this user's pin on the vault's own key (it
        // pinned the new one, and the next command was refused as if the key had been replaced).
        try #require(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        let alice = ["--identity", ws.file("alice.id")]
        let idName = TestDatabase.name(TestDatabase.location("roleid"))
        try #require(try CLI.run(["init", "\(TestDatabase.uri)#\(idName)"] + alice, environment: state).status == 0)
        let rekey = try CLI.run(["rekey", "\(asReader)#\(idName)"] + alice, environment: state)
        #expect(rekey.status == 1 && rekey.stdout.isEmpty && rekey.error.hasPrefix("cannot store the change to vault"), "\(rekey)")
        let afterRekey = try CLI.run(["seal", "\(asRole)#\(idName)", "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + alice, environment: state)
        #expect(afterRekey.status == 0, "\(afterRekey)")
        // A drill there is a report all the same: printed, then the error about its record.
        let drill = try CLI.run(["drill", "\(asReader)#\(name)", "--passphrase-file", ws.file("pass")], environment: state)
        #expect(drill.status == 1 && drill.stdout.contains("SM01"), "\(drill)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        let stored = try CLI.run(["seal", "\(asRole)#\(name)"] + dw, environment: state)
        #expect(stored.status == 0 && stored.stdout.contains("version 1"), "\(stored)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch", "3 patch"])
        try TestDatabase.sql("DROP OWNED BY \(reader); DROP ROLE \(reader)")
        // Making the tables takes more than it has: said so, in one line.
        let migrate = try CLI.run(["db", "migrate", asRole.replacingOccurrences(of: "/keyvault", with: "/postgres")])
        #expect(migrate.status == 1 && migrate.error.hasPrefix("cannot make keyvault's tables in "), "\(migrate)")
        try TestDatabase.sql("DROP OWNED BY \(role); DROP ROLE \(role)")
    }

    /// `text` as one word for sh -c, whatever it holds.
    private static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// The escrow's own disaster: its primary database server is lost, and a streaming standby takes over.
@Suite(.tool("/usr/bin/pg_basebackup")) struct DatabaseFailoverCLITests {
    /// scripts/postgres-cluster.sh, in this checkout.
    static let script: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("scripts/postgres-cluster.sh").path
    }()

    /// Runs scripts/postgres-cluster.sh with `arguments`; its standard output (a URI). Its standard error is kept
    /// apart: PostgreSQL's programs, run as `postgres`, warn there when they cannot enter the current folder (a checkout
    /// in a 0700 `mktemp -d` folder), and that warning must not become part of the URI. Through system(3), not
    /// Process: Foundation's waitUntilExit never returned once the script had started a server in the background
    /// (Swift 6.3, Linux).
    private func cluster(_ arguments: [String]) throws -> String {
        let output = NSTemporaryDirectory() + "kv-pg-" + UUID().uuidString, errors = output + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: errors)
        }
        let quoted = ([Self.script] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let status = system("/bin/bash \(quoted) >'\(output)' 2>'\(errors)'")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let why = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw WorkspaceError(message: "postgres-cluster.sh \(arguments.joined(separator: " ")) failed (\(status)): \(text)\(why)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.namedHosts) func aStandbyPromotedAfterThePrimaryIsLostRestoresWithTheChainIntact() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let primaryDir = ws.file("primary"), standbyDir = ws.file("standby")
        let primary = try cluster(["start", primaryDir])
        defer { _ = try? cluster(["stop", primaryDir]) }
        let pass = ["--passphrase-file", ws.file("pass")]
        #expect(try CLI.run(["init", "\(primary)#escrow", "--kdf", "interactive"] + pass).status == 0)
        let sm = try ws.key("sm.bin", size: 4096), dw = try ws.key("dw.bin", size: 4096)
        #expect(try CLI.run(["seal", "\(primary)#escrow", "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin")] + pass).status == 0)
        let standby = try cluster(["standby", primaryDir, standbyDir])
        defer { _ = try? cluster(["stop", standbyDir]) }
        // Sealed after the standby was made: it arrives by streaming replication, not in the base backup.
        #expect(try CLI.run(["seal", "\(primary)#escrow", "--role", "dw", "--host", "DW01", "--key", ws.file("dw.bin")] + pass).status == 0)
        let onPrimary = try TestDatabase.writes("escrow", database: primary)
        var replicated: [String] = []
        for _ in 0..<300 {
            replicated = (try? TestDatabase.writes("escrow", database: standby)) ?? []
            if replicated == onPrimary { break }
            usleep(100_000)
        }
        #expect(replicated == onPrimary, "the standby never caught up: \(replicated) against \(onPrimary)")
        // While it is a standby, reading works and writing is refused in one line; nothing is lost.
        let list = try CLI.run(["list", "\(standby)#escrow"] + pass)
        #expect(list.status == 0 && list.stdout.contains("DW01"), "\(list)")
        let readOnly = try CLI.run(["restore", "\(standby)#escrow", "--role", "dw", "--out", ws.file("early.bin")] + pass, host: "DW01")
        #expect(
            readOnly.status == 1
                && readOnly.error
                    == "vault \(standby)#escrow cannot be written here (a standby server, a read-only transaction, or a role without INSERT): a restore could not be recorded in its audit log; promote the standby or connect to the primary as a role that may insert; nothing was restored",
            "\(readOnly)")
        #expect(!ws.exists("early.bin"))
        // The primary is lost; the standby is promoted, and the rebuilt servers' keys come back from it.
        _ = try cluster(["stop", primaryDir])
        _ = try cluster(["promote", standbyDir])
        let restoredDW = try CLI.run(["restore", "\(standby)#escrow", "--role", "dw", "--out", ws.file("dw-out.bin")] + pass, host: "DW01")
        #expect(restoredDW.status == 0, "\(restoredDW)")
        #expect(try ws.read("dw-out.bin") == dw)
        let restoredSM = try CLI.run(["restore", "\(standby)#escrow", "--role", "sm", "--out", ws.file("sm-out.bin")] + pass, host: "SM01")
        #expect(restoredSM.status == 0, "\(restoredSM)")
        #expect(try ws.read("sm-out.bin") == sm)
        let verify = try CLI.run(["verify", "\(standby)#escrow"] + pass)
        #expect(verify.status == 0 && verify.stdout.contains("2 of 2 entries intact"), "\(verify)")
        let log = try CLI.run(["log", "\(standby)#escrow", "--json"] + pass)
        #expect(log.status == 0 && log.stdout.contains("\"chainIntact\":true"), "\(log)")
        #expect(try TestDatabase.writes("escrow", database: standby).count == onPrimary.count + 2)
    }
}
