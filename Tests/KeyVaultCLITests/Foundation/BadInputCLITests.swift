// Every bad input: the exact one-line error, its documented exit code, and a vault left byte for byte as it was.
import Foundation
import Testing

struct BadInputCLITests {
    /// A vault holding one sm key, and its bytes before the bad command.
    func prepared(format: String? = nil) throws -> (Workspace, [UInt8]) {
        let ws = try Workspace()
        try ws.initVault(extra: format.map { ["--format", $0] } ?? [])
        _ = try ws.key("sm.bin")
        let r = try ws.seal(role: "sm", host: "SM01", key: "sm.bin")
        guard r.status == 0 else { throw WorkspaceError(message: "\(r)") }
        return (ws, try ws.read("vault.kv"))
    }

    func expectUnchanged(_ ws: Workspace, _ before: [UInt8], extra: [String] = []) throws {
        #expect(try ws.read("vault.kv") == before)
        #expect(try ws.listing() == (["pass", "sm.bin", "vault.kv"] + extra).sorted())
    }

    func expectOneLine(_ r: Run, status: Int32, error: String) {
        #expect(r.status == status, "\(r)")
        #expect(r.error == error, "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
    }

    static let badHosts: [(String, String)] = [
        ("bad name", "invalid host name 'bad name': it contains a space (at position 4)"),
        ("sm01\\x", "invalid host name 'sm01\\x': the character '\\' (at position 5) is not allowed in a computer name"),
        ("sm01:1", "invalid host name 'sm01:1': the character ':' (at position 5) is not allowed in a computer name"),
        ("sm01*", "invalid host name 'sm01*': the character '*' (at position 5) is not allowed in a computer name"),
        ("sm\t01", "invalid host name 'sm\\u{9}01': it contains a control character (at position 3)"),
        ("-sm01", "invalid host name '-sm01': the label '-sm01' starts with '-'"),
        ("sm01-", "invalid host name 'sm01-': the label 'sm01-' ends with '-'"),
        ("sm01.-corp.example", "invalid host name 'sm01.-corp.example': the label '-corp' starts with '-'"),
        ("sm..corp", "invalid host name 'sm..corp': it has an empty label (two dots in a row, or a leading dot)"),
        (".", "invalid host name '.': it is only a dot"),
        ("s\u{e9}rveur", "invalid host name 's\\u{e9}rveur': it contains a non-ASCII character (at byte 2); computer names are ASCII"),
        ("sm_01.corp.example", "invalid host name 'sm_01.corp.example': the character '_' is not allowed in a DNS name (use A-Z, a-z, 0-9 and '-')"),
        ("sm_0123456789abcd", "invalid host name 'sm_0123456789abcd': the character '_' is allowed only in a NetBIOS name of at most 15 characters"),
        (String(repeating: "a", count: 64), "invalid host name '\(String(repeating: "a", count: 64))': the label '\(String(repeating: "a", count: 64))' is 64 characters long; the limit is 63"),
    ]

    @Test(arguments: badHosts)
    func invalidHostNamesAreRefusedWithWhatIsWrong(host: String, error: String) throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        // --host=VALUE, so that a name starting with '-' reaches keyvault rather than the option parser.
        let r = try CLI.run([
            "seal", ws.file("vault.kv"), "--role", "sm", "--host=\(host)", "--key", ws.file("sm.bin"),
            "--passphrase-file", ws.file("pass"),
        ])
        expectOneLine(r, status: 2, error: error)
        try expectUnchanged(ws, before)
    }

    @Test(arguments: ["SM01", "sm01.corp.example", "SM-01", "dw01.corp.example.", "WIN_SM01!", "a", "0123456789abcde"])
    func validHostNamesAreAccepted(host: String) throws {
        let (ws, _) = try prepared(); defer { ws.cleanUp() }
        _ = try ws.key("dw.bin")
        let r = try ws.seal(role: "dw", host: host, key: "dw.bin")
        #expect(r.status == 0, "\(r)")
    }

    @Test func aHostNameOver253CharactersIsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let long = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".") + ".b"
        let r = try ws.seal(role: "sm", host: long, key: "sm.bin")
        #expect(r.status == 2 && r.error.hasSuffix("...': it is 257 characters long; the limit is 253"), "\(r)")
        try expectUnchanged(ws, before)
    }

    @Test func unknownRoleIsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        // ssp became a role with the recovery workflow (issue 6); an unknown role is still refused the same way.
        expectOneLine(
            try ws.seal(role: "web", host: "SM01", key: "sm.bin"), status: 2,
            error: "unknown role 'web': use one of sm, dw, ssp (sm = Service Manager management server, dw = data warehouse management server, ssp = Self-Service Portal)")
        try expectUnchanged(ws, before)
    }

    /// Standard output on a full disk (here /dev/full) is an I/O failure, not a success: a checkpoint line redirected
    /// into a file to file in a ticket would otherwise be empty with exit 0.
    @Test(arguments: [["checkpoint"], ["list"], ["list", "--json"], ["log"]])
    func outputThatCannotBeWrittenIsAnError(command: [String]) throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let argv = [CLI.binary, command[0], ws.file("vault.kv")] + command.dropFirst() + ["--passphrase-file", ws.file("pass")]
        let r = try CLI.execute(["/bin/sh", "-c", "exec \"$@\" >/dev/full", "sh"] + argv)
        expectOneLine(r, status: 1, error: "cannot write to standard output (no space left on device): what was printed is incomplete; the command itself ran to its end")
        try expectUnchanged(ws, before)
        // The same command with somewhere to write succeeds.
        #expect(try CLI.execute(Array(argv)).status == 0)
    }

    /// A mistyped command is named, with the command it is nearest to (ArgumentParser named the first option it did
    /// not know: "Unknown option '--role'").
    @Test func aMistypedCommandIsNamed() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        expectOneLine(
            try CLI.run(["restor", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("o.bin")]), status: 2,
            error: "unknown command 'restor'; did you mean 'restore'? (see 'keyvault help')")
        expectOneLine(try CLI.run(["LIST", ws.file("vault.kv")]), status: 2, error: "unknown command 'LIST'; did you mean 'list'? (see 'keyvault help')")
        expectOneLine(try CLI.run(["frobnicate"]), status: 2, error: "unknown command 'frobnicate' (see 'keyvault help')")
        expectOneLine(try CLI.run(["s\u{1B}[2J"]), status: 2, error: "unknown command 's?[2J' (see 'keyvault help')")
        try expectUnchanged(ws, before)
    }

    /// A mistyped option is named, with the command's nearest option (ArgumentParser named a missing required option
    /// instead, "Missing expected argument '--role <role>'", or the missing --out before the unknown --outt).
    @Test func aMistypedOptionIsNamed() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        expectOneLine(
            try CLI.run(["seal", ws.file("vault.kv"), "--rol", "dw", "--host", "DW01", "--key", ws.file("sm.bin")]), status: 2,
            error: "unknown option '--rol' for 'seal'; did you mean '--role'? (see 'keyvault help seal')")
        expectOneLine(
            try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--outt", ws.file("o.bin")]), status: 2,
            error: "unknown option '--outt' for 'restore'; did you mean '--out'? (see 'keyvault help restore')")
        expectOneLine(
            try CLI.run(["custodian", "add", ws.file("vault.kv"), "--recipent=kvr1x"]), status: 2,
            error: "unknown option '--recipent' for 'custodian add'; did you mean '--recipient'? (see 'keyvault help custodian add')")
        expectOneLine(
            try CLI.run(["list", ws.file("vault.kv"), "--frobnicate"]), status: 2, error: "unknown option '--frobnicate' for 'list' (see 'keyvault help list')")
        // After --, words are not options.
        #expect(try CLI.run(["list", "--", ws.file("vault.kv")]).status == 0)
        try expectUnchanged(ws, before)
    }

    /// An argument that is not UTF-8 is refused before anything is read or written: Swift would have read it with
    /// U+FFFD for each bad byte, so the key was written to `o\u{FFFD}.bin`, not to the `o\xff.bin` the shell gave.
    @Test func anArgumentThatIsNotUTF8IsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        // The shell makes the bytes; Swift's strings could not carry them to the child.
        let restore = try CLI.execute([
            "/bin/sh", "-c", "exec \"$0\" restore \"$1\" --role sm --out \"$(printf 'o\\377.bin')\" --passphrase-file \"$2\"",
            CLI.binary, ws.file("vault.kv"), ws.file("pass"),
        ])
        expectOneLine(
            restore, status: 2,
            error:
                "argument 6 is not valid UTF-8 (o\\xff.bin): keyvault reads file names and other arguments as UTF-8 and would use another name than the one given; rename the file, or give it through a link with a UTF-8 name"
        )
        let seal = try CLI.execute([
            "/bin/sh", "-c", "exec \"$0\" seal \"$1\" --role dw --host DW01 --label \"$(printf 'caf\\351')\" --key \"$2\" --passphrase-file \"$3\"",
            CLI.binary, ws.file("vault.kv"), ws.file("sm.bin"), ws.file("pass"),
        ])
        #expect(seal.status == 2 && seal.error.hasPrefix("argument 8 is not valid UTF-8 (caf\\xe9): "), "\(seal)")
        try expectUnchanged(ws, before)
    }

    /// The key file given where the vault goes (the arguments swapped): the file is named as no vault, with the
    /// command's order, where the message was only "not a keyvault vault" and restore offered --salvage for it.
    @Test func aKeyFileGivenAsTheVaultIsNamedAsTheWrongFile() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let key = try ws.read("sm.bin")
        let seal = try CLI.run(["seal", ws.file("sm.bin"), "--role", "sm", "--host", "SM01", "--key", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")])
        expectOneLine(
            seal, status: 5,
            error:
                "\(ws.file("sm.bin")) is not a keyvault vault (it does not start with the vault magic bytes): is it the right file? The vault comes first: keyvault seal VAULT --role ROLE --host NAME --key FILE"
        )
        let restore = try CLI.run(["restore", ws.file("sm.bin"), "--role", "sm", "--out", ws.file("o.bin")])
        expectOneLine(
            restore, status: 5,
            error:
                "\(ws.file("sm.bin")) is not a keyvault vault (it does not start with the vault magic bytes): is it the right file? The vault comes first: keyvault restore VAULT --role ROLE --out FILE"
        )
        #expect(try ws.read("sm.bin") == key)
        try expectUnchanged(ws, before)
    }

    /// An option that takes one value, given twice, is refused (ArgumentParser kept the last one silently: the
    /// second --key was sealed); options that add a custodian, or an inventory host's roles, may repeat.
    @Test func aSingleValueOptionGivenTwiceIsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        _ = try ws.key("other.bin", size: 1301)
        expectOneLine(
            try CLI.run(["seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("sm.bin"), "--key", ws.file("other.bin"), "--passphrase-file", ws.file("pass")]),
            status: 2, error: "--key is given twice; give it once")
        expectOneLine(
            try CLI.run(["list", ws.file("vault.kv"), "--passphrase-file", ws.file("pass"), "--passphrase-file=\(ws.file("pass"))"]), status: 2,
            error: "--passphrase-file is given twice; give it once")
        try expectUnchanged(ws, before, extra: ["other.bin"])
        let roles = try CLI.run([
            "inventory", "host", ws.file("vault.kv"), "--name", "SM01", "--role", "sm", "--role", "ssp", "--primary", "--passphrase-file", ws.file("pass"),
        ])
        #expect(roles.status == 0, "\(roles)")
    }

    @Test func wrongPassphraseLeavesTheVaultAlone() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        try ws.write(Array("not the passphrase\n".utf8), to: "wrong")
        _ = try ws.key("other.bin")
        let r = try CLI.run([
            "seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("other.bin"),
            "--passphrase-file", ws.file("wrong"),
        ])
        expectOneLine(r, status: 4, error: "wrong passphrase: it does not unlock this vault")
        try expectUnchanged(ws, before, extra: ["other.bin", "wrong"])
        let verify = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("wrong")])
        #expect(verify.status == 4, "\(verify)")
    }

    /// A passphrase typed where its file's name belongs is not repeated in the error, which may be logged; nor is
    /// an export password, nor a name too long to be a file's.
    @Test func aMissingSecretFileIsNotNamed() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        _ = try ws.key("other.bin")
        let typed = "Correct Horse 7 Battery"
        let long = String(repeating: "Staple", count: 60)
        // Under a file, as if a folder: not a directory, which names the path too.
        let underFile = ws.file("other.bin") + "/Staple Horse"
        for (option, secret, noun) in [
            ("--passphrase-file", typed, "passphrase"), ("--passphrase-file", long, "passphrase"), ("--passphrase-file", underFile, "passphrase"),
            ("--key-password-file", typed, "export password"),
        ] {
            var args = ["seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("other.bin"), option, secret]
            if option != "--passphrase-file" { args += ["--passphrase-file", ws.file("pass")] }
            let r = try CLI.run(args)
            expectOneLine(r, status: 2, error: "\(noun) file does not exist (its name is not repeated here, in case it is the \(noun) itself typed in its place)")
            #expect(!r.stderr.contains("Horse") && !r.stderr.contains("Staple"), "\(r)")
        }
        // Named by the environment, the error says so: nothing on the command line names the file.
        let fromEnvironment = try CLI.run(["verify", ws.file("vault.kv")], environment: ["KEYVAULT_PASSPHRASE_FILE": ws.file("no such file")])
        expectOneLine(
            fromEnvironment, status: 2,
            error: "passphrase file does not exist (its name is not repeated here, in case it is the passphrase itself typed in its place) (the file named by KEYVAULT_PASSPHRASE_FILE)")
        // Any other failure to open it is said without the name too (a symbolic link to itself: too many levels).
        try FileManager.default.createSymbolicLink(atPath: ws.file("Horse loop"), withDestinationPath: ws.file("Horse loop"))
        let loop = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("Horse loop")])
        let unnamed = "(its name is not repeated here, in case it is the passphrase itself typed in its place)"
        #expect(loop.status == 1 && loop.error.hasPrefix("cannot open the passphrase file: ") && loop.error.hasSuffix(unnamed), "\(loop)")
        #expect(!loop.stderr.contains("Horse"), "\(loop)")
        try FileManager.default.removeItem(atPath: ws.file("Horse loop"))
        try expectUnchanged(ws, before, extra: ["other.bin"])
    }

    /// A key file given as the export password file is too long for a password, and the error asks about the file.
    @Test func aKeyFileGivenAsThePasswordFileIsQuestioned() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        try ws.write([UInt8](repeating: UInt8(ascii: "A"), count: 1300), to: "looks-like-a-key.bin")
        _ = try ws.key("dw.bin")
        let r = try ws.seal(role: "dw", host: "DW01", key: "dw.bin", extra: ["--key-password-file", ws.file("looks-like-a-key.bin")])
        expectOneLine(
            r, status: 2,
            error: "the export password is 1300 bytes, more than the 1024 keyvault escrows: is its file the password file, not the key file?")
        try expectUnchanged(ws, before, extra: ["looks-like-a-key.bin", "dw.bin"])
    }

    @Test func badKeyFilesAreRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        expectOneLine(try ws.seal(role: "dw", host: "DW01", key: "missing.bin"), status: 2, error: "key file \(ws.file("missing.bin")) does not exist")
        try ws.write([], to: "empty.bin")
        expectOneLine(
            try ws.seal(role: "dw", host: "DW01", key: "empty.bin"), status: 2,
            error: "the key file is empty; export the key again with the Encryption Key Backup or Restore Wizard")
        try ws.write([UInt8](repeating: 7, count: 16 * 1024 * 1024 + 1), to: "huge.bin")
        expectOneLine(
            try ws.seal(role: "dw", host: "DW01", key: "huge.bin"), status: 2,
            error: "key file \(ws.file("huge.bin")) is larger than 16777216 bytes (16 MiB); keyvault seals exported key files, which are small")
        try expectUnchanged(ws, before, extra: ["empty.bin", "huge.bin"])
    }

    @Test func theSameKeyUnderAnotherHostOrRoleIsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let r = try ws.seal(role: "dw", host: "DW01", key: "sm.bin")
        expectOneLine(
            r, status: 2,
            error:
                "refused: this key file is already sealed as the sm key of SM01 (version 1); each server's key is different (and SM and DW keys are never the same), so check that you picked the right file; if that entry was the mistake, 'keyvault retire VAULT --role sm --host SM01 --version 1 --reason TEXT' sets it aside first"
        )
        try expectUnchanged(ws, before)
    }

    @Test func overlongLabelIsRefused() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        expectOneLine(
            try ws.seal(role: "sm", host: "SM01", key: "sm.bin", extra: ["--label", String(repeating: "x", count: 257)]),
            status: 2, error: "invalid label: it is 257 bytes; the limit is 256")
        try expectUnchanged(ws, before)
    }

    @Test func initNeverOverwrites() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let r = try CLI.run(["init", ws.file("vault.kv"), "--passphrase-file", ws.file("pass"), "--kdf", "interactive"])
        expectOneLine(r, status: 2, error: "vault \(ws.file("vault.kv")) already exists; keyvault init never overwrites a vault")
        try expectUnchanged(ws, before)
        try ws.write(Array("short\n".utf8), to: "short")
        let weak = try CLI.run(["init", ws.file("new.kv"), "--passphrase-file", ws.file("short")])
        expectOneLine(weak, status: 2, error: "the passphrase is too short: a vault passphrase needs at least 8 characters")
        #expect(!ws.exists("new.kv"))
        // A second newline at the file's end would make one part of the passphrase, which no prompt could then take;
        // so would a CR LF line ending with a stray CR, or two lines. Nor may a custodian change add one.
        let lineBreak = "the passphrase holds a line break, which cannot be typed at a prompt: a passphrase file holds the passphrase on one line (only its one final newline is taken off)"
        #expect(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        #expect(try CLI.run(["init", ws.file("id.kv"), "--identity", ws.file("alice.id")]).status == 0)
        let identityVault = try ws.read("id.kv")
        for (n, text) in ["abcdefghij\n\n", "abcdefghij\r\r\n", "abcdefghij\nklmnopqr\n"].enumerated() {
            try ws.write(Array(text.utf8), to: "broken\(n)")
            expectOneLine(try CLI.run(["init", ws.file("new.kv"), "--passphrase-file", ws.file("broken\(n)")]), status: 2, error: lineBreak)
            #expect(!ws.exists("new.kv"))
            let add = try CLI.run(["custodian", "add", ws.file("id.kv"), "--new-passphrase-file", ws.file("broken\(n)"), "--identity", ws.file("alice.id")])
            #expect(add.status == 2 && add.error == lineBreak, "\(add)")
            #expect(try ws.read("id.kv") == identityVault)
        }
        try expectUnchanged(ws, before, extra: ["alice.id", "broken0", "broken1", "broken2", "id.kv", "short"])
    }

    @Test func withoutATerminalOrAPassphraseFileEveryCommandFailsAtOnce() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let message = "no passphrase given and no terminal to ask on; pass --passphrase-file FILE (or - for standard input)"
        let started = Date()
        expectOneLine(try CLI.run(["init", ws.file("new.kv")]), status: 2, error: message)
        expectOneLine(try CLI.run(["seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("sm.bin")]), status: 2, error: message)
        expectOneLine(try CLI.run(["verify", ws.file("vault.kv")]), status: 2, error: message)
        #expect(Date().timeIntervalSince(started) < 20)
        try expectUnchanged(ws, before)
    }

    /// A re-key with enough identities still needs the passphrase custodian's passphrase, to make its slot again:
    /// without a terminal, the refusal says so rather than only that no passphrase was given.
    @Test func aReKeyWithIdentitiesSaysWhyItNeedsThePassphrase() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try #require(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        try ws.write(Array("\(ws.passphrase)\n".utf8), to: "pass")
        try #require(
            try CLI.run(["init", ws.file("both.kv"), "--identity", ws.file("alice.id"), "--passphrase-file", ws.file("pass"), "--kdf", "interactive"]).status == 0)
        let before = try ws.read("both.kv")
        let message =
            "this change makes every custodian's slot again, the passphrase custodian's too, and that needs its passphrase: pass --passphrase-file FILE (or - for standard input), or remove the passphrase custodian first"
        expectOneLine(try CLI.run(["rekey", ws.file("both.kv"), "--identity", ws.file("alice.id")]), status: 2, error: message)
        _ = try CLI.run(["keygen", "--out", ws.file("bob.id")])
        let bob = try CLI.run(["keygen", "--public", ws.file("bob.id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        expectOneLine(
            try CLI.run(["custodian", "add", ws.file("both.kv"), "--recipient", bob, "--threshold", "2", "--identity", ws.file("alice.id")]), status: 2,
            error: message)
        #expect(try ws.read("both.kv") == before)
    }

    @Test func passphraseFromStandardInput() throws {
        let (ws, before) = try prepared(); defer { ws.cleanUp() }
        let ok = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", "-"], stdin: Array("\(ws.passphrase)\n".utf8))
        #expect(ok.status == 0 && ok.stdout.contains("1 of 1 entries intact"), "\(ok)")
        let both = try CLI.run(["seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", "-", "--passphrase-file", "-"])
        expectOneLine(both, status: 2, error: "--key and --passphrase-file cannot both read standard input")
        try expectUnchanged(ws, before)
    }

    @Test func filesThatAreNotVaults() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        expectOneLine(try CLI.run(["list", ws.file("none.kv")]), status: 2, error: "vault \(ws.file("none.kv")) does not exist")
        try ws.write(Array("hello\n".utf8), to: "text.kv")
        expectOneLine(try CLI.run(["list", ws.file("text.kv")]), status: 5, error: "not a keyvault vault: the file does not start with the vault magic bytes")
        expectOneLine(try CLI.run(["list", ws.path]), status: 2, error: "vault \(ws.path) is a directory, not a file")
    }

    @Test func aFutureFormatVersionIsRefusedClearly() throws {
        let (ws, _) = try prepared(format: "1"); defer { ws.cleanUp() }
        var bytes = try ws.read("vault.kv")
        bytes[8] = 0; bytes[9] = 2  // the u16 format version after the 8 magic bytes
        try ws.write(bytes, to: "future.kv")
        let r = try CLI.run(["list", ws.file("future.kv")])
        expectOneLine(r, status: 5, error: "vault format version 2 is newer than this keyvault reads (version 1); upgrade keyvault")
    }

    /// A version-1 header that claims megabytes (as a vault of about 60,000 entries does: the command line asks for
    /// huge pages before it reads one that large) but holds zeros: refused as damage in one line, the file untouched.
    @Test func aLargeHeaderOfZerosIsRefusedLikeASmallOne() throws {
        let (ws, _) = try prepared(format: "1"); defer { ws.cleanUp() }
        let size = 9 << 20
        let preamble = Array(try ws.read("vault.kv")[0..<12]) + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) }
        let bytes = preamble + [UInt8](repeating: 0, count: size - preamble.count)
        try ws.write(bytes, to: "zeros.kv")
        expectOneLine(try CLI.run(["list", ws.file("zeros.kv")]), status: 5, error: "vault damaged: slot count 0 is outside 1-16")
        #expect(try ws.read("zeros.kv") == bytes)
    }

    @Test func helpListsEveryExitCode() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("EXIT CODES"))
        for code in 0...6 { #expect(r.stdout.contains("  \(code)  "), "exit code \(code) missing from --help") }
        let usage = try CLI.run(["seal"])
        #expect(usage.status == 2, "\(usage)")
    }
}
