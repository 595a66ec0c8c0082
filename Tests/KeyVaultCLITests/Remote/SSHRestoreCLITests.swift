// restore --to ssh:// and seal --from ssh:// (issue 16) against a real OpenSSH server on 127.0.0.1 in its own UTS
// namespace, and the Windows branch against a fake remote shell that answers as cmd.exe or PowerShell.
import Foundation
import Testing
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import KeyVaultTestSupport

@Suite(.serialized) struct SSHRestoreCLITests {
    let ws: Workspace
    var vault: String { ws.file("vault.kv") }
    var pass: [String] { ["--passphrase-file", ws.file("pass")] }

    init() throws { ws = try Workspace() }

    /// A vault with the dw key of DW01 (and its export password), and a folder standing for the remote disk.
    func sealDW01(size: Int = 1424) throws -> [UInt8] {
        try ws.initVault()
        let key = try ws.key("dw01.bin", size: size)
        try ws.write(Array("Pa55word-DW01\n".utf8), to: "dw01.pw")
        let r = try ws.seal(role: "dw", host: "DW01", key: "dw01.bin", extra: ["--key-password-file", ws.file("dw01.pw")])
        #expect(r.status == 0, "\(r)")
        try FileManager.default.createDirectory(atPath: ws.file("remote"), withIntermediateDirectories: true)
        return key
    }

    func remoteListing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: ws.file("remote")).sorted() }

    func lastLogLine() throws -> String {
        let r = try CLI.run(["log", vault] + pass)
        return String(r.stdout.split(separator: "\n").last ?? "")
    }

    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func aKeyGoesOverSSHToTheComputerWithTheRecordedName() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        let key = try sealDW01()
        let r = try CLI.run(
            [
                "restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin")),
                "--key-password-to", server.url(ws.file("remote/DW01-dw.password")),
            ] + pass, environment: server.environment)
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("remote/DW01-dw.bin") == key)
        #expect(try ws.mode("remote/DW01-dw.bin") == 0o600 && ws.mode("remote/DW01-dw.password") == 0o600)
        #expect(try ws.read("remote/DW01-dw.password") == Array("Pa55word-DW01".utf8))
        #expect(try remoteListing() == ["DW01-dw.bin", "DW01-dw.password"], "no temporary file is left")
        #expect(r.stdout.contains("on DW01: 1424 bytes, readable only by its owner (mode 0600), SHA-256 checked there"), "\(r)")
        #expect(!r.stderr.contains("debug1:"), "ssh's -v lines are not shown when all goes well: \(r.stderr)")
        let record = try lastLogLine()
        #expect(record.contains("restore") && record.contains("rule: role dw, recorded host DW01, remote name DW01 reported by ssh://127.0.0.1:\(server.port)"), "\(record)")
        #expect(record.contains("host key ssh-ed25519 \(server.hostKeyFingerprint)"), "\(record)")
    }

    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func aComputerWithAnotherNameGetsNothing() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW02"); defer { server.stop() }
        _ = try sealDW01()
        let before = try ws.read("vault.kv")
        // No passphrase is given: the rule refuses before keyvault would ask for one.
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin"))], environment: server.environment)
        #expect(r.status == 3, "\(r)")
        #expect(
            r.error
                == "refused: the dw key in this vault belongs to DW01, but the computer at ssh://127.0.0.1:\(server.port) is DW02; a key restores only onto a computer with the name it was exported from"
        )
        #expect(try remoteListing().isEmpty)
        #expect(try ws.read("vault.kv") == before)
    }

    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func anExistingRemoteFileIsKeptUnlessForced() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "dw01.corp.example"); defer { server.stop() }
        let key = try sealDW01()
        try ws.write(Array("an older export\n".utf8), to: "remote/DW01-dw.bin")
        let args = ["restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin"))] + pass
        let r = try CLI.run(args, environment: server.environment)
        #expect(r.status == 2, "\(r)")
        #expect(r.error == "\(server.url(ws.file("remote/DW01-dw.bin"))) already exists; pass --force to replace it")
        #expect(try ws.read("remote/DW01-dw.bin") == Array("an older export\n".utf8))
        #expect(try remoteListing() == ["DW01-dw.bin"])
        let forced = try CLI.run(args + ["--force"], environment: server.environment)
        #expect(forced.status == 0, "\(forced)")
        #expect(try ws.read("remote/DW01-dw.bin") == key && ws.mode("remote/DW01-dw.bin") == 0o600)
        #expect(try remoteListing() == ["DW01-dw.bin"])
    }

    /// --key-password-to naming, through a link to its folder, the file --to just wrote is refused before the password
    /// replaces the key, even with --force (the paths differ, so only the other side can tell); the key stays.
    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func thePasswordIsNotWrittenOverTheKeyThroughALink() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        let key = try sealDW01()
        try FileManager.default.createSymbolicLink(atPath: ws.file("alias"), withDestinationPath: ws.file("remote"))
        let r = try CLI.run(
            [
                "restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin")),
                "--key-password-to", server.url(ws.file("alias/DW01-dw.bin")), "--force",
            ] + pass, environment: server.environment)
        #expect(r.status == 2, "\(r)")
        #expect(
            r.error
                == "the key was written to \(server.url(ws.file("remote/DW01-dw.bin"))), but its export password was not: \(server.url(ws.file("alias/DW01-dw.bin"))) is, through a link, the file just written there (\(ws.file("remote/DW01-dw.bin"))); name another file; nothing was written to it",
            "\(r)")
        #expect(try ws.read("remote/DW01-dw.bin") == key)
        #expect(try remoteListing() == ["DW01-dw.bin"])
    }

    /// A remote folder that does not exist is said to be missing there, exit 2 as for a local one, before any key byte
    /// is sent (it was exit 1, with lines of keyvault's own script, which ssh -v echoes, shown as the remote's words).
    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func aMissingRemoteFolderIsSaidToBeMissing() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        _ = try sealDW01()
        let target = server.url(ws.file("remote/nodir/DW01-dw.bin"))
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", target] + pass, environment: server.environment)
        #expect(r.status == 2, "\(r)")
        #expect(r.error == "cannot write \(target): folder \(ws.file("remote/nodir")) does not exist on that computer; nothing was written", "\(r)")
        #expect(try remoteListing().isEmpty)
    }

    /// A remote path that is a folder, or a link to one, is refused before any key byte is sent, even with --force
    /// (a move would have put the key inside it, and said it was restored to the path).
    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func aRemoteFolderIsRefusedEvenWithForce() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        _ = try sealDW01()
        try FileManager.default.createDirectory(atPath: ws.file("remote/DW01-dw.bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: ws.file("remote/link"), withDestinationPath: ws.file("remote/DW01-dw.bin"))
        for name in ["DW01-dw.bin", "link"] {
            for force in [[], ["--force"]] {
                let r = try CLI.run(["restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/\(name)"))] + force + pass, environment: server.environment)
                #expect(r.status == 2, "\(r)")
                #expect(
                    r.error
                        == "\(server.url(ws.file("remote/\(name)"))) is a folder; name the file to write in it (\(server.url(ws.file("remote/\(name)")))/NAME); nothing was written",
                    "\(r)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: ws.file("remote/DW01-dw.bin")).isEmpty)
                #expect(try remoteListing() == ["DW01-dw.bin", "link"])
            }
        }
    }

    /// The connection drops while a large key is on its way: the sshd processes serving it are killed once part of
    /// it has arrived. Nothing is left there: no key, no temporary file.
    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func aConnectionDroppedMidTransferLeavesNothing() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        _ = try sealDW01(size: 8 << 20)
        // A wrapper that lets only the first MiB of the key through and then holds the stream open: the transfer
        // stalls with part of the key written there, until the test kills the connection.
        let wrapper = try ws.write(
            Array(
                """
                case "$*" in
                  *kv-written*) { head -c 1048576; sleep 5; } | \(server.sshCommand) "$@" ;;
                  *) exec \(server.sshCommand) "$@" ;;
                esac
                """.utf8), to: "stall.sh")
        let watcher = Thread {
            for _ in 0..<400 {
                let partial = ((try? FileManager.default.contentsOfDirectory(atPath: ws.file("remote"))) ?? []).filter { $0.contains(".keyvault-") }
                if let name = partial.first, ((try? FileManager.default.attributesOfItem(atPath: ws.file("remote/\(name)"))[.size] as? Int) ?? 0) >= 1 << 20 {
                    server.dropConnections()
                    return
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        watcher.start()
        let r = try CLI.run(
            ["restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin"))] + pass,
            environment: ["KEYVAULT_SSH_COMMAND": "sh \(wrapper)"])
        #expect(r.status == 1, "\(r)")
        #expect(r.error.hasPrefix("the transfer to \(server.url(ws.file("remote/DW01-dw.bin"))) was cut off or failed"), "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        // The remote shell removes its temporary file when its input ends; give it a moment.
        for _ in 0..<100 where try !remoteListing().isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try remoteListing().isEmpty)
        #expect(try lastLogLine().contains("failed: the transfer to"))
    }

    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func anUnknownHostKeyIsRefusedBySSH() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        _ = try sealDW01()
        try Data().write(to: URL(fileURLWithPath: server.knownHosts))
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", server.url(ws.file("remote/DW01-dw.bin"))] + pass, environment: server.environment)
        #expect(r.status == 1, "\(r)")
        #expect(r.error.hasPrefix("ssh refused ssh://127.0.0.1:\(server.port): its host key is not in known_hosts or does not match it"), "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1 && !r.stderr.contains("debug1:"), "\(r.stderr)")
        #expect(try remoteListing().isEmpty)
        #expect(!server.sshCommand.contains("StrictHostKeyChecking"))
    }

    @Test(.enabled(if: SSHServer.enabled, SSHServer.skipReason))
    func sealFromPullsTheExportAndRecordsTheNameTheServerReports() throws {
        defer { ws.cleanUp() }
        let server = try SSHServer(hostname: "DW01"); defer { server.stop() }
        try ws.initVault()
        let key = try ws.key("remote-dw01.bin", size: 1424)
        try ws.write(Array("Pa55word-DW01\r\n".utf8), to: "remote-dw01.pw")
        let from = ["--from", server.url(ws.file("remote-dw01.bin"))]
        // --host that does not name the server: refused, nothing sealed.
        let wrong = try CLI.run(["seal", vault, "--role", "dw", "--host", "SM01"] + from + pass, environment: server.environment)
        #expect(wrong.status == 3, "\(wrong)")
        #expect(wrong.error == "refused: --host SM01 does not name the computer at ssh://127.0.0.1:\(server.port), which reports its name as DW01; leave --host out to record the reported name")
        // Without --host: the reported name is recorded, with the export password pulled too.
        let r = try CLI.run(["seal", vault, "--role", "dw", "--key-password-from", server.url(ws.file("remote-dw01.pw"))] + from + pass, environment: server.environment)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("sealed the dw key of DW01 as version 1 (1424 bytes"), "\(r)")
        #expect(r.stderr.contains("which reported its name as DW01") && r.stderr.contains(server.hostKeyFingerprint), "\(r)")
        // With a matching --host (its FQDN): accepted; the same bytes are already sealed for that computer, so nothing
        // is added (issue 17).
        let fqdn = try CLI.run(["seal", vault, "--role", "dw", "--host", "dw01.corp.example"] + from + pass, environment: server.environment)
        #expect(fqdn.status == 0 && fqdn.stdout.hasPrefix("the same bytes are already sealed as version 1 of the dw key of DW01") && fqdn.stdout.hasSuffix(": nothing was added\n"), "\(fqdn)")
        // What was pulled restores, with its password, on a computer named DW01.
        let out = try CLI.run(["restore", vault, "--role", "dw", "--version", "1", "--out", ws.file("back.bin"), "--key-password-out", ws.file("back.pw")] + pass, host: "DW01")
        #expect(out.status == 0, "\(out)")
        #expect(try ws.read("back.bin") == key && ws.read("back.pw") == Array("Pa55word-DW01".utf8))
        // A missing file there: exit 2, one line.
        let missing = try CLI.run(["seal", vault, "--role", "dw", "--from", server.url(ws.file("nope.bin"))] + pass, environment: server.environment)
        #expect(missing.status == 2 && missing.error == "key file \(server.url(ws.file("nope.bin"))) does not exist (or is not a file)", "\(missing)")
    }

    // MARK: Windows, faked

    /// A remote Windows computer, faked behind KEYVAULT_SSH_COMMAND: it answers keyvault's probe as cmd.exe (or as
    /// PowerShell), decodes each `powershell -EncodedCommand` script and records it, and carries out its file
    /// operations under ROOT (C:/x is ROOT/C/x). It cannot run PowerShell: the scripts themselves are untested on
    /// real Windows.
    static let fakeWindows = #"""
        #!/bin/bash
        root=ROOT; log="$root/asked.log"
        for last; do :; done
        echo "OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2" >&2
        echo "debug1: Server host key: ssh-ed25519 SHA256:FakeWindowsHostKey" >&2
        host=; prev=; for a; do [ "$prev" = "--" ] && host=$a; prev=$a; done
        [ -z "$FAKE_NOT_KNOWN" ] && echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
        echo "debug1: Sending command: $last" >&2
        printf 'ARGV %s\n' "$*" >> "$log"
        case "$last" in
          'echo "kv-probe:%OS%:$PSHOME"')
            if [ "$FAKE_SHELL" = powershell ]; then printf 'kv-probe:%%OS%%:C:\\Windows\\System32\\WindowsPowerShell\\v1.0\r\n'
            else printf '"kv-probe:Windows_NT:$PSHOME"\r\n'; fi
            exit 0 ;;
          "powershell -NoProfile -NonInteractive -EncodedCommand "*)
            script=$(printf %s "${last##* }" | base64 -d | iconv -f UTF-16LE -t UTF-8) ;;
          *) echo "'$last' is not recognized as an internal or external command" >&2; exit 1 ;;
        esac
        printf 'SCRIPT\n%s\nEND\n' "$script" >> "$log"
        p=$(printf %s "$script" | sed -n "s/^\$p = '\([^']*\)'.*/\1/p" | head -1)
        f="$root/${p%%:*}${p#*:}"
        case "$script" in
          *kv-written*)
            n=$(printf %s "$script" | sed -n 's/.*\$n = \([0-9]*\);.*/\1/p' | head -1)
            if ! printf %s "$script" | grep -q '\$force = \$true' && [ -e "$f" ]; then printf 'kv-exists\r\n'; exit 17; fi
            t="$f.keyvault-fake"; : > "$t"; chmod 600 "$t"; echo "ran icacls on $t" >> "$log"
            printf 'kv-ready\r\n'
            head -c "$n" > "$t"
            h=$(sha256sum < "$t" | cut -c1-64 | tr a-f A-F)
            if [ -n "$FAKE_CORRUPT" ]; then h=0000000000000000000000000000000000000000000000000000000000000000; fi
            printf 'kv-written %s %s\r\n' "$(wc -c < "$t")" "$h"
            read -r answer; answer=${answer%$'\r'}
            if [ "$answer" = commit ]; then mv -f "$t" "$f"; printf 'kv-done\r\n'; else rm -f "$t"; exit 21; fi ;;
          *kv-file*)
            if [ ! -f "$f" ]; then printf 'kv-missing\r\n'; exit 16; fi
            printf 'kv-file %s %s\n' "$(wc -c < "$f")" "$(sha256sum < "$f" | cut -c1-64)"; cat "$f" ;;
          *"(hostname)"*) printf 'SM01\r\n' ;;
        esac
        """#

    /// The fake Windows computer, its disk at ROOT (C:/x is ROOT/C/x) with empty C:/keyvault and an export of 1,296
    /// bytes at C:/exports/SM01.bin (also the workspace's sm01-export.bin); its root, and the environment that reaches
    /// it as `shell`.
    func fakeWindowsComputer(shell: String) throws -> (root: String, environment: [String: String]) {
        let root = ws.file("windows")
        try FileManager.default.createDirectory(atPath: "\(root)/C/keyvault", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/C/exports", withIntermediateDirectories: true)
        let fake = try ws.write(Array(Self.fakeWindows.replacingOccurrences(of: "root=ROOT", with: "root='\(root)'").utf8), to: "fake-windows.sh")
        _ = try ws.key("sm01-export.bin", size: 1296)
        try FileManager.default.copyItem(atPath: ws.file("sm01-export.bin"), toPath: "\(root)/C/exports/SM01.bin")
        return (root, ["KEYVAULT_SSH_COMMAND": "bash \(fake)", "FAKE_SHELL": shell])
    }

    @Test(arguments: ["cmd", "powershell"])
    func theWindowsBranchUsesPowerShellIcaclsAndGetFileHash(shell: String) throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let (root, env) = try fakeWindowsComputer(shell: shell)
        let key = try ws.read("sm01-export.bin")
        try Data("Pa55word-SM01\r\n".utf8).write(to: URL(fileURLWithPath: "\(root)/C/exports/SM01.password"))

        // Pull the export from the (fake) Windows server: recorded under the name it reports.
        let sealed = try CLI.run(
            [
                "seal", vault, "--role", "sm", "--from", "ssh://admin@sm01.corp.example/C:/exports/SM01.bin",
                "--key-password-from", "ssh://admin@sm01.corp.example/C:/exports/SM01.password",
            ] + pass, environment: env)
        // Reached by its FQDN (known_hosts matched the key under that name) and answering SM01: recorded as the FQDN.
        #expect(sealed.status == 0 && sealed.stdout.hasPrefix("sealed the sm key of sm01.corp.example as version 1 (1296 bytes"), "\(sealed)")
        // And restore it there.
        let r = try CLI.run(
            [
                "restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.corp.example/C:/keyvault/SM01-sm.bin",
                "--key-password-to", "ssh://admin@sm01.corp.example/C:/keyvault/SM01-sm.password",
            ] + pass, environment: env)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("on SM01: 1296 bytes, readable only by its owner (icacls), SHA-256 checked there"), "\(r)")
        #expect(try TestFiles.bytes("\(root)/C/keyvault/SM01-sm.bin") == key)
        #expect(try TestFiles.bytes("\(root)/C/keyvault/SM01-sm.password") == Array("Pa55word-SM01".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/C/keyvault").sorted() == ["SM01-sm.bin", "SM01-sm.password"])

        let asked = try TestFiles.text("\(root)/asked.log")
        #expect(asked.contains("-l admin") && asked.contains("-- sm01.corp.example"), "the URL's user and host reach ssh")
        #expect(asked.contains("icacls $t /inheritance:r /grant:r ($me + ':F')"), "the file is made readable by its owner alone")
        #expect(asked.contains("(Get-FileHash -Algorithm SHA256 -LiteralPath $t).Hash"), "the written bytes are hashed there")
        #expect(asked.contains("$p = 'C:/keyvault/SM01-sm.bin'") && asked.contains("[Console]::OpenStandardInput()"))
        #expect(asked.contains("if (-not $done -and $t -and (Test-Path -LiteralPath $t)) { Remove-Item -LiteralPath $t -Force }"))
        #expect(!asked.contains("Pa55word-SM01"), "secrets travel on standard input, never in a command")
        #expect(!asked.contains("StrictHostKeyChecking"))
        #expect(try lastLogLine().contains("remote name SM01 reported by ssh://admin@sm01.corp.example, host key ssh-ed25519 SHA256:FakeWindowsHostKey"))

        // A copy whose hash does not match is not given its name: nothing is left there, exit 1.
        var corrupt = env
        corrupt["FAKE_CORRUPT"] = "1"
        let bad = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.corp.example/C:/keyvault/again.bin"] + pass, environment: corrupt)
        #expect(bad.status == 1 && bad.error.hasPrefix("the copy written to ssh://admin@sm01.corp.example/C:/keyvault/again.bin does not match the key"), "\(bad)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/C/keyvault").sorted() == ["SM01-sm.bin", "SM01-sm.password"])

        // An existing file there is kept without --force (the Windows script's check).
        let again = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.corp.example/C:/keyvault/SM01-sm.bin"] + pass, environment: env)
        #expect(again.status == 2 && again.error == "ssh://admin@sm01.corp.example/C:/keyvault/SM01-sm.bin already exists; pass --force to replace it", "\(again)")
    }

    /// Windows reports its short name over SSH: a computer reached as sm01.other.example that reports SM01, which the
    /// inventory records as sm01.corp.example, is not the inventory's SM01. Neither a pull from it nor a restore onto
    /// it goes through (before, the pull was filed as corp's SM01 and the restore wrote corp's key there).
    @Test func aWindowsComputerOfAnotherDomainReportingARecordedShortNameIsRefused() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let (root, env) = try fakeWindowsComputer(shell: "powershell")
        #expect(
            try CLI.run(["inventory", "host", vault, "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary"] + pass).status == 0)
        // The inventory's own SM01, reached by its FQDN: pulled and restored as before.
        let sealed = try CLI.run(["seal", vault, "--role", "sm", "--from", "ssh://admin@sm01.corp.example/C:/exports/SM01.bin"] + pass, environment: env)
        #expect(sealed.status == 0 && sealed.stdout.hasPrefix("sealed the sm key of SM01 as version 1"), "\(sealed)")
        // A role the inventory does not give the computer: the refusal says what the computer reported.
        let wrongRole = try CLI.run(["seal", vault, "--role", "dw", "--from", "ssh://admin@sm01.corp.example/C:/exports/SM01.bin"] + pass, environment: env)
        #expect(
            wrongRole.status == 3 && wrongRole.error.hasPrefix("refused: the inventory lists SM01 as sm, not dw;")
                && wrongRole.error.hasSuffix("(--not-in-inventory); the computer at ssh://admin@sm01.corp.example reports its name as SM01"), "\(wrongRole)")
        let before = try ws.read("vault.kv")
        let refused = { (doing: String) in
            "refused: the computer at ssh://admin@sm01.other.example reports its name as SM01, which the inventory records as sm01.corp.example: ssh reached another computer of that short name, or the inventory's name is wrong; nothing was \(doing)"
        }
        let pulled = try CLI.run(["seal", vault, "--role", "sm", "--from", "ssh://admin@sm01.other.example/C:/exports/SM01.bin"] + pass, environment: env)
        #expect(pulled.status == 3 && pulled.error == refused("sealed"), "\(pulled)")
        let restored = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.other.example/C:/keyvault/SM01-sm.bin"] + pass, environment: env)
        #expect(restored.status == 3 && restored.error == refused("restored"), "\(restored)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/C/keyvault").isEmpty)
        #expect(try ws.read("vault.kv") == before)
        // Reached by an address or a short name, the reported name is all there is to go by: the rule as before.
        let byShortName = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01/C:/keyvault/SM01-sm.bin"] + pass, environment: env)
        #expect(byShortName.status == 0, "\(byShortName)")
        // With a key of the other domain's SM01 in the vault too (sealed outside the inventory, on purpose), the short
        // name the computer reports is both computers': reached by the inventory's FQDN, whose host key ssh verified,
        // it is the inventory's SM01 and gets its own version 1; reached by the short name, it is refused.
        _ = try ws.key("stranger.bin", size: 1296)
        let stranger = try CLI.run(["seal", vault, "--role", "sm", "--host", "sm01.other.example", "--key", ws.file("stranger.bin"), "--not-in-inventory"] + pass)
        #expect(stranger.status == 0 && stranger.stdout.hasPrefix("sealed the sm key of sm01.other.example as version 2"), "\(stranger)")
        let byFQDN = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.corp.example/C:/keyvault/byfqdn.bin"] + pass, environment: env)
        #expect(byFQDN.status == 0 && byFQDN.stdout.hasPrefix("restored the sm key of SM01 (version 1,"), "\(byFQDN)")
        #expect(try TestFiles.bytes("\(root)/C/keyvault/byfqdn.bin") == (try ws.read("sm01-export.bin")))
        // Unless known_hosts matched the host key under another name than the one typed (an alias's HostName or
        // HostKeyAlias), or ssh has just added it: then the FQDN is nobody's word, and the short name is ambiguous.
        var unverified = env
        unverified["FAKE_NOT_KNOWN"] = "1"
        let notKnown = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01.corp.example/C:/keyvault/notknown.bin"] + pass, environment: unverified)
        #expect(notKnown.status == 3 && notKnown.error.hasPrefix("refused: sm keys for SM01 and sm01.other.example all match"), "\(notKnown)")
        let ambiguous = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@sm01/C:/keyvault/short.bin"] + pass, environment: env)
        #expect(ambiguous.status == 3 && ambiguous.error.hasPrefix("refused: sm keys for SM01 and sm01.other.example all match"), "\(ambiguous)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/C/keyvault/short.bin"))
        // Reached by the FQDN the inventory records for another computer (DW01's), a computer that answers SM01 is not
        // given SM01's key on its answer alone: ssh's configuration or DNS, or the inventory, is wrong.
        #expect(
            try CLI.run(["inventory", "host", vault, "--name", "DW01", "--fqdn", "dw01.corp.example", "--role", "dw"] + pass).status == 0)
        let misdirected = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://admin@dw01.corp.example/C:/keyvault/dw.bin"] + pass, environment: env)
        #expect(
            misdirected.status == 3
                && misdirected.error
                    == "refused: the computer at ssh://admin@dw01.corp.example reports its name as SM01, but the inventory records dw01.corp.example as DW01: ssh reached another computer than the one named, or the inventory is wrong; nothing was restored",
            "\(misdirected)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/C/keyvault/dw.bin"))
    }

    /// ssh:// locations are parsed strictly: anything else is refused with exit 2 before anything runs.
    static let badLocations: [(String, String)] = [
        ("ssh://sm01", "it names no path"),
        ("ssh://sm01/", "the path names a folder, not a file"),
        ("ssh://admin:secret@sm01/C:/k.bin", "a password in the URL is not accepted"),
        ("ssh://sm01:0/k.bin", "the port '0' is not a number from 1 to 65535"),
        ("ssh://sm01:99999/k.bin", "the port '99999' is not a number from 1 to 65535"),
        ("ssh://sm01/C:/a%20b.bin", "percent escapes are not accepted"),
        ("ssh://sm01/k'$(id).bin", "''' is not allowed in a path"),
        ("ssh://-oProxyCommand=x/k.bin", "the host may not start with '-' or '.'"),
        ("ssh://sm01/keys/../k.bin", "the path has an empty, '.' or '..' part"),
        ("ssh://sm01/C:/keys\\k.bin", "'\\' is not allowed in a path"),
        ("ssh://sm01/C:", "a Windows path is written /C:/folder/file"),
        ("ssh://sm01/C:keys/k.bin", "a Windows path is written /C:/folder/file"),
        ("ssh://sm01/C:/", "the path names a folder, not a file"),
        ("sftp://sm01/k.bin", "it does not start with ssh://"),
        ("ssh://sm01/k.bin?x=1", "'?' is not allowed in a path"),
    ]

    /// This machine as the other computer, behind a fake ssh (`KEYVAULT_SSH_COMMAND`, the script `name`): the script
    /// knows the remote command as `$last` and the host as `$host`, then runs `script` (what ssh -v would write on
    /// standard error, and what becomes of the command). With `sealing`, the vault holds the dw key of this machine's
    /// name (`key`); its name is `me`.
    func thisMachineBehindAFakeSSH(_ name: String, sealing: Bool, _ script: String) throws -> (me: String, key: [UInt8], environment: [String: String]) {
        let me = try #require(CLI.execute(["/bin/sh", "-c", "hostname 2>/dev/null || uname -n"]).stdout.split(separator: "\n").first.map(String.init))
        try ws.initVault()
        let key = try ws.key("k.bin")
        if sealing { #expect(try ws.seal(role: "dw", host: me, key: "k.bin").status == 0) }
        let prelude = "for last; do :; done\nhost=; prev=; for a; do [ \"$prev\" = \"--\" ] && host=$a; prev=$a; done\n"
        let fake = try ws.write(Array((prelude + script).utf8), to: name)
        return (me, key, ["KEYVAULT_SSH_COMMAND": "sh \(fake)"])
    }

    /// The connection is lost after keyvault said "commit" and before the answer came: the other side may have given
    /// the file its name (here it did), so the error says that is not known, rather than "nothing was left there".
    /// The remote side is this machine, behind a fake ssh that runs the command with sh and drops its last answer.
    @Test func aConnectionLostAsTheFileIsNamedSaysThatIsNotKnown() throws {
        defer { ws.cleanUp() }
        let (me, key, environment) = try thisMachineBehindAFakeSSH(
            "ssh-loses-the-answer.sh", sealing: true,
            """
            echo "debug1: Server host key: ssh-ed25519 SHA256:FakeLocalHostKey" >&2
            echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
            case "$last" in
              *kv-written*) sh -c "$last" | sed -u '/^kv-done/d'; exit 255 ;;
              *) exec sh -c "$last" ;;
            esac
            """)
        let target = "ssh://\(me)\(ws.file("out.bin"))"
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", target] + pass, environment: environment)
        #expect(r.status == 1, "\(r)")
        #expect(
            r.error
                == "\(target) was written and checked, and the connection was lost as it was being given its name (exit 255): whether it is there now is not known; look, and run again with --force to replace it",
            "\(r)")
        #expect(try ws.read("out.bin") == key, "it was given its name")
    }

    /// A host with a host certificate: ssh reports "Server host certificate", not "Server host key"; that key is the
    /// one compared between connections and recorded. Lines the other computer writes on standard error after the
    /// command started ("debug1: Sending command:") are not taken for ssh's, however they look.
    @Test func aHostCertificateIsRecordedAndTheRemotesImitationsAreNot() throws {
        defer { ws.cleanUp() }
        let (me, key, environment) = try thisMachineBehindAFakeSSH(
            "ssh-certificate.sh", sealing: true,
            """
            echo "debug1: Server host certificate: ssh-ed25519-cert-v01@openssh.com SHA256:TheCertifiedKey, serial 7 ID \\"dw01\\" CA ssh-ed25519 SHA256:TheCA valid forever" >&2
            echo "debug1: Host '$host' is known and matches the ED25519-CERT host certificate." >&2
            echo "debug1: Sending command: $last" >&2
            echo "debug1: Server host key: ssh-ed25519 SHA256:ImitatedByTheRemote" >&2
            exec sh -c "$last"
            """)
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", "ssh://\(me)\(ws.file("out.bin"))"] + pass, environment: environment)
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("out.bin") == key)
        let record = try lastLogLine()
        #expect(record.contains("host key ssh-ed25519-cert-v01@openssh.com SHA256:TheCertifiedKey") && !record.contains("Imitated"), "\(record)")
    }

    /// On a first contact ssh adds the host key (`StrictHostKeyChecking accept-new`) and says no "is known and
    /// matches"; a remote that writes that line itself, after its command started, does not get the fully qualified
    /// name it was reached by recorded: the seal records the name it reports.
    @Test func aRemoteCannotVouchForTheNameItWasReachedBy() throws {
        defer { ws.cleanUp() }
        let (me, _, environment) = try thisMachineBehindAFakeSSH(
            "ssh-first-contact.sh", sealing: false,
            """
            echo "debug1: Server host key: ssh-ed25519 SHA256:FirstContact" >&2
            echo "debug1: Sending command: $last" >&2
            echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
            exec sh -c "$last"
            """)
        let r = try CLI.run(
            ["seal", vault, "--role", "dw", "--from", "ssh://\(me).corp.example\(ws.file("k.bin"))"] + pass, environment: environment)
        #expect(r.status == 0, "\(r)")
        let list = try CLI.run(["list", vault, "--json"] + pass)
        #expect(list.stdout.contains("\"host\":\"\(me)\"") && !list.stdout.contains("corp.example"), "\(list)")
    }

    /// A computer that takes the connection and then says nothing is given up on after KEYVAULT_SSH_TIMEOUT seconds
    /// of silence (300 by default): exit 1, one line, not a wait for ever; a timeout that is not a number of seconds is
    /// refused before anything runs.
    @Test func aSilentComputerIsGivenUpOn() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let fake = try ws.write(Array("echo 'debug1: Server host key: ssh-ed25519 SHA256:Silent' >&2\nexec sleep 30\n".utf8), to: "ssh-silent.sh")
        let args = ["restore", vault, "--role", "sm", "--to", "ssh://sm01/C:/k.bin"] + pass
        let started = Date()
        let r = try CLI.run(args, environment: ["KEYVAULT_SSH_COMMAND": "exec sh \(fake)", "KEYVAULT_SSH_TIMEOUT": "1"])
        #expect(r.status == 1 && r.error == "nothing came from or went to ssh://sm01 for 1 s; gave up (KEYVAULT_SSH_TIMEOUT sets how long to wait)", "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1 && Date().timeIntervalSince(started) < 10, "\(r)")
        let bad = try CLI.run(args, environment: ["KEYVAULT_SSH_COMMAND": "exec sh \(fake)", "KEYVAULT_SSH_TIMEOUT": "soon"])
        #expect(bad.status == 2 && bad.error == "KEYVAULT_SSH_TIMEOUT must be a number of seconds from 1 to 3600, not 'soon'", "\(bad)")
    }

    /// What the other side says when the write fails is shown without the lines of keyvault's own script that ssh -v
    /// echoes after "debug1: Sending command:" (a command of many lines): here a mktemp that fails.
    @Test func aRemoteFailureShowsWhatWasSaidNotTheScript() throws {
        defer { ws.cleanUp() }
        let bin = ws.file("fakebin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try ws.write(Array("#!/bin/sh\necho 'mktemp: cannot create the file (test)' >&2\nexit 1\n".utf8), to: "fakebin/mktemp")
        try #require(chmod(ws.file("fakebin/mktemp"), 0o755) == 0)
        let (me, _, environment) = try thisMachineBehindAFakeSSH(
            "ssh-echoes-the-command.sh", sealing: true,
            """
            echo "debug1: Server host key: ssh-ed25519 SHA256:FakeLocalHostKey" >&2
            echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
            echo "debug1: Sending command: $last" >&2
            PATH=\(bin):$PATH exec sh -c "$last"
            """)
        let target = "ssh://\(me)\(ws.file("out.bin"))"
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", target] + pass, environment: environment)
        #expect(r.status == 1 && r.error == "cannot write to \(target) (exit 20: mktemp: cannot create the file (test)); nothing was written", "\(r)")
        #expect(!FileManager.default.fileExists(atPath: ws.file("out.bin")))
    }

    /// A wrapper that starts ssh without `exec` (here it starts `sleep` in its place) is ended with what it started
    /// when keyvault gives up: ending the wrapper alone left its child running and holding keyvault's pipes.
    @Test func aWrapperIsGivenUpOnWithWhatItStarted() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let pidFile = ws.file("sleeper.pid")
        let fake = try ws.write(
            Array("echo 'debug1: Server host key: ssh-ed25519 SHA256:Silent' >&2\nsleep 60 &\necho $! > \(pidFile)\nwait\n".utf8), to: "ssh-wrapper.sh")
        let started = Date()
        let r = try CLI.run(
            ["restore", vault, "--role", "sm", "--to", "ssh://sm01/C:/k.bin"] + pass, environment: ["KEYVAULT_SSH_COMMAND": "sh \(fake)", "KEYVAULT_SSH_TIMEOUT": "1"])
        #expect(r.status == 1 && r.error == "nothing came from or went to ssh://sm01 for 1 s; gave up (KEYVAULT_SSH_TIMEOUT sets how long to wait)", "\(r)")
        #expect(Date().timeIntervalSince(started) < 10, "\(r)")
        let sleeper = try #require(pid_t(String(decoding: try ws.read("sleeper.pid"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie its new parent has not reaped yet.
        let state = (try? String(contentsOfFile: "/proc/\(sleeper)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
        #expect(state == nil || state == "Z", "the wrapper's child is still running: \(String(describing: state))")
    }

    /// Through a jump host (ProxyJump), the jump's own ssh writes its host lines first: the target's key, the one after,
    /// is the one compared and recorded (the jump host's was, found by a review of this code).
    @Test func throughAJumpHostTheTargetsKeyIsRecorded() throws {
        defer { ws.cleanUp() }
        let (me, key, environment) = try thisMachineBehindAFakeSSH(
            "ssh-jump.sh", sealing: true,
            """
            echo "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024" >&2
            echo "debug1: Server host key: ssh-ed25519 SHA256:TheJumpHost" >&2
            echo "debug1: Host 'bastion.corp.example' is known and matches the ED25519 host key." >&2
            echo "debug1: Server host key: ssh-ed25519 SHA256:TheTarget" >&2
            echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
            echo "debug1: Sending command: $last" >&2
            exec sh -c "$last"
            """)
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", "ssh://\(me)\(ws.file("out.bin"))"] + pass, environment: environment)
        #expect(r.status == 0, "\(r)")
        #expect(try ws.read("out.bin") == key)
        let record = try lastLogLine()
        #expect(record.contains("host key ssh-ed25519 SHA256:TheTarget") && !record.contains("TheJumpHost"), "\(record)")
    }

    /// What the other computer answers in place of its protocol lines reaches the message with its control characters
    /// shown, not sent to the terminal (an answer could otherwise rewrite the line into a success).
    @Test func aRemoteAnswerIsShownVisibly() throws {
        defer { ws.cleanUp() }
        let (me, _, environment) = try thisMachineBehindAFakeSSH(
            "ssh-answers-oddly.sh", sealing: true,
            """
            echo "debug1: Server host key: ssh-ed25519 SHA256:FakeLocalHostKey" >&2
            echo "debug1: Host '$host' is known and matches the ED25519 host key." >&2
            case "$last" in
              *kv-written*) printf '\\r\\033[2Kok: restored\\n'; exit 1 ;;
              *) exec sh -c "$last" ;;
            esac
            """)
        let target = "ssh://\(me)\(ws.file("out.bin"))"
        let r = try CLI.run(["restore", vault, "--role", "dw", "--to", target] + pass, environment: environment)
        #expect(r.status == 1 && r.error == "cannot write to \(target) (exit 1: \\u{D}\\u{1B}[2Kok: restored); nothing was written", "\(r)")
        #expect(!r.stderr.contains("\u{1B}") && !ws.exists("out.bin"))
    }

    /// What ssh says goes into the one-line error as text: its typographic quotes (a UTF-8 locale) as they are,
    /// control and invisible characters escaped.
    @Test func sshsOwnWordsArePassedOnReadably() throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let fake = try ws.write(Array("printf 'ssh: Could not resolve hostname \\342\\200\\230sm01\\342\\200\\231: Name or service not known\\033[2J\\n' >&2; exit 255\n".utf8), to: "ssh-fails.sh")
        let r = try CLI.run(["restore", vault, "--role", "sm", "--to", "ssh://sm01/C:/k.bin"] + pass, environment: ["KEYVAULT_SSH_COMMAND": "sh \(fake)"])
        #expect(r.status == 1 && r.error.hasSuffix("ssh: Could not resolve hostname \u{2018}sm01\u{2019}: Name or service not known\\u{1B}[2J"), "\(r)")
    }

    @Test(arguments: badLocations)
    func badSSHLocationsAreRefused(url: String, why: String) throws {
        defer { ws.cleanUp() }
        try ws.initVault()
        let r = try CLI.run(["restore", vault, "--role", "sm", "--to", url] + pass, environment: ["KEYVAULT_SSH_COMMAND": "false"])
        #expect(r.status == 2, "\(r)")
        #expect(r.error.hasPrefix("'") && r.error.contains("is not a valid ssh:// location: \(why)"), "\(r.error)")
        let s = try CLI.run(["seal", vault, "--role", "sm", "--from", url] + pass, environment: ["KEYVAULT_SSH_COMMAND": "false"])
        #expect(s.status == 2 && s.error.contains(why), "\(s)")
    }
}
