// ssh:// locations (issue 16): what a strict parse keeps, and the commands built from it.
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
}
