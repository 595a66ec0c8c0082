// ssh:// locations (issue 16): what a strict parse keeps, and the commands built from it.
import Foundation
import KeyVaultTestSupport
import Testing
@testable import KeyVault

@Suite struct SSHLocationTests {
    @Test func theFourPartsAreKept() throws {
        let windows = try SSHLocation(parsing: "ssh://administrator@dw01.corp.example:2222/C:/keyvault/DW01 dw.bin")
        #expect(windows.user == "administrator" && windows.host == "dw01.corp.example" && windows.port == 2222)
        #expect(windows.path == "C:/keyvault/DW01 dw.bin", "a drive after the first slash is a Windows path")
        #expect(windows.connection == "ssh://administrator@dw01.corp.example:2222")
        #expect(windows.description == "ssh://administrator@dw01.corp.example:2222/C:/keyvault/DW01 dw.bin")

        let linux = try SSHLocation(parsing: "SSH://backup01/srv/keys/sm01.bin")
        #expect(linux.user == nil && linux.port == nil && linux.path == "/srv/keys/sm01.bin")
        let v6 = try SSHLocation(parsing: "ssh://[fe80::1]:22/k.bin")
        #expect(v6.host == "fe80::1" && v6.connection == "ssh://[fe80::1]:22")

        #expect(windows.sameConnection(as: try SSHLocation(parsing: "ssh://administrator@DW01.corp.example:2222/C:/other.bin")))
        #expect(!windows.sameConnection(as: try SSHLocation(parsing: "ssh://dw01.corp.example:2222/C:/other.bin")), "another user")
        #expect(!windows.sameConnection(as: try SSHLocation(parsing: "ssh://administrator@dw01.corp.example/C:/other.bin")), "another port")
    }

    /// The key and its export password must be two files: on Windows, two spellings that differ only in case or in
    /// the dots and spaces ending a part are one file (the password would overwrite the key); elsewhere they are two.
    @Test func oneWindowsFileSpelledTwoWaysIsOneFile() throws {
        let key = try SSHLocation(parsing: "ssh://dw01/C:/k/DW.bin")
        for same in ["ssh://DW01/c:/k/dw.bin", "ssh://dw01/C:/K/DW.bin.", "ssh://dw01/C:/k./DW.bin ", "ssh://dw01/C:/k/DW.bin"] {
            #expect(key.sameFile(as: try SSHLocation(parsing: same)), "\(same)")
        }
        for other in ["ssh://dw01/C:/k/DW.bin.pw", "ssh://dw01/D:/k/DW.bin", "ssh://admin@dw01/C:/k/DW.bin"] {
            #expect(!key.sameFile(as: try SSHLocation(parsing: other)), "\(other)")
        }
        let linux = try SSHLocation(parsing: "ssh://backup01/srv/keys/DW.bin")
        #expect(!linux.sameFile(as: try SSHLocation(parsing: "ssh://backup01/srv/keys/dw.bin")), "POSIX names keep their case")
        #expect(linux.sameFile(as: try SSHLocation(parsing: "ssh://BACKUP01/srv/keys/DW.bin")))
    }

    @Test func sshIsRunWithTheURLsPartsAndNothingThatWeakensIt() throws {
        let location = try SSHLocation(parsing: "ssh://admin@sm01:2200/C:/k.bin")
        #expect(
            SSHClient(command: nil).argv(location, "hostname") == [
                "ssh", "-v", "-T", "-o", "ControlPath=none", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
                "-l", "admin", "-p", "2200", "--", "sm01", "hostname",
            ])
        let custom = SSHClient(command: "ssh -i /keys/escrow").argv(location, "hostname")
        #expect(Array(custom.prefix(4)) == ["/bin/sh", "-c", "ssh -i /keys/escrow \"$@\"", "keyvault-ssh"])
        #expect(!custom.joined().contains("StrictHostKeyChecking"))
    }

    @Test func remoteScriptsCarryNoSecretAndQuoteSafely() throws {
        let posix = RemoteScripts.write(.posix, path: "/srv/keys/DW01 dw.bin", count: 1424, replacing: false)
        #expect(posix.hasPrefix("sh -c '") && posix.hasSuffix("keyvault '/srv/keys/DW01 dw.bin' '1424' '0' ''"))
        let password = RemoteScripts.write(.posix, path: "/srv/keys/DW01 dw.password", count: 14, replacing: true, notSameAs: "/srv/keys/DW01 dw.bin")
        #expect(password.hasSuffix("keyvault '/srv/keys/DW01 dw.password' '14' '1' '/srv/keys/DW01 dw.bin'"))
        let windows = RemoteScripts.write(.cmd, path: "C:/keyvault/DW01-dw.bin", count: 1424, replacing: true)
        #expect(windows.hasPrefix("powershell -NoProfile -NonInteractive -EncodedCommand "))
        // -EncodedCommand is base64 of UTF-16LE.
        #expect(RemoteScripts.powershell("hi") == "powershell -NoProfile -NonInteractive -EncodedCommand aABpAA==")
        #expect(RemoteScripts.base64(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
    }

    /// A remote path given to the library directly (not from an ``SSHLocation``) is checked by the URL's rules before
    /// any command is built from it: a quote would have ended PowerShell's string and run what followed on the other
    /// computer, and trapped the POSIX script's builder; a negative size trapped a read.
    @Test func aRemotePathFromACallerIsCheckedBeforeAnyCommandIsBuilt() throws {
        try SSHLocation.checkPath("/srv/keys/dw.bin")
        try SSHLocation.checkPath("C:/keyvault/DW01 dw.bin")
        let quote = "''' is not allowed in a path (only letters, digits, space and . _ - + , @ /)"
        let refused: [(String, String)] = [
            ("C:/k/a.bin'; Invoke-WebRequest -Uri https://x.example/; '", quote),
            ("/tmp/o'brien.bin", quote),
            ("keys/dw.bin", "it is not an absolute path"),
            ("C:keys/dw.bin", "a Windows path is written C:/folder/file"),
            ("/srv/../etc/dw.bin", "the path has an empty, '.' or '..' part"),
            ("/srv/keys/", "the path names a folder, not a file"),
        ]
        for (path, why) in refused {
            #expect(throws: KeyVaultError.invalidArgument("'\(path.printable)' is not a remote path keyvault can use: \(why)")) { try SSHLocation.checkPath(path) }
        }
        // Through a remote identity: nothing but the questions `ask` itself asks reaches the other side.
        let folder = try TestFolders.make("remote-path")
        let log = folder + "/commands.log"
        let fake = folder + "/fake-ssh.sh"
        let script = """
            for last; do :; done
            printf '%s\\n' "$last" >> '\(log)'
            echo "debug1: Server host key: ssh-ed25519 SHA256:Fake" >&2
            echo "debug1: Sending command: x" >&2
            case "$last" in *hostname*) echo SM01 ;; *) exec sh -c "$last" ;; esac
            """
        try script.write(toFile: fake, atomically: false, encoding: .utf8)
        let remote = try RemoteHostIdentity.ask(try SSHLocation(parsing: "ssh://sm01/srv/k.bin"), client: SSHClient(command: "sh \(fake)"))
        let asked = try String(contentsOfFile: log, encoding: .utf8)
        let key = try SecretBytes(copying: Array("key bytes".utf8))
        for (path, _) in refused {
            #expect(throws: KeyVaultError.self) { _ = try remote.write(key, toPath: path, replacing: true) }
            #expect(throws: KeyVaultError.self) { _ = try remote.read(path: path, maxCount: 100, what: "key file") }
        }
        #expect(throws: KeyVaultError.invalidArgument("the largest size to read must be 0 bytes or more, not -1")) {
            _ = try remote.read(path: folder + "/k.bin", maxCount: -1, what: "key file")
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == asked, "a command went out for a refused path")
    }

    /// An idle limit a caller sets out of range is brought into it: a large one overflowed (a trap) when turned into
    /// milliseconds, and a negative one made the wait endless.
    @Test func anIdleLimitOutOfRangeIsBroughtIntoIt() throws {
        let folder = try TestFolders.make("idle-limit")
        let fake = folder + "/fake-ssh.sh"
        let script = """
            for last; do :; done
            echo "debug1: Server host key: ssh-ed25519 SHA256:Fake" >&2
            echo "debug1: Sending command: x" >&2
            case "$last" in *hostname*) echo SM01 ;; *kv-probe*) exec sh -c "$last" ;; *) exec sleep 30 ;; esac
            """
        try script.write(toFile: fake, atomically: false, encoding: .utf8)
        var client = SSHClient(command: "sh \(fake)")
        client.idleSeconds = 3_000_000
        let location = try SSHLocation(parsing: "ssh://sm01/srv/k.bin")
        #expect(try RemoteHostIdentity.ask(location, client: client).name.value == "SM01")
        client.idleSeconds = -5
        let remote = try RemoteHostIdentity.ask(location, client: client)
        let started = ContinuousClock.now
        #expect(throws: KeyVaultError(.remote, "nothing came from or went to ssh://sm01 for 1 s; gave up (KEYVAULT_SSH_TIMEOUT sets how long to wait)")) {
            _ = try remote.read(path: "/srv/k.bin", maxCount: 100, what: "key file")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
