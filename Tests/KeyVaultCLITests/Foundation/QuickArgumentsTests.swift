// The plain forms of seal and restore are parsed without ArgumentParser (QuickArguments): every line taken that way must
// give exactly the plain values ArgumentParser's command hands on, and everything else must be left to ArgumentParser.
import ArgumentParser
import Testing

@testable import keyvault

struct QuickArgumentsTests {
    /// Everything a job holds, field by field.
    static func picture(_ job: Any) -> String {
        var text = ""
        dump(job, to: &text)
        return text
    }

    /// The job ArgumentParser's command for the same line hands on.
    static func job(of command: any ParsableCommand) -> Any? {
        if let seal = command as? Seal { return seal.job }
        if let restore = command as? Restore { return restore.job }
        return nil
    }

    /// The job the quick parser filled.
    static func job(of quick: QuickArguments.Job) -> Any {
        switch quick {
        case .seal(let job): job
        case .restore(let job): job
        }
    }

    /// Seal lines: the usual one, with each option and flag added, reordered, and all at once.
    static let sealLines: [[String]] = {
        let base = ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin"]
        let extras: [[String]] = [
            [], ["--identity", "id"], ["--identity", "a", "--identity", "b"], ["--label", "install 2026"], ["--key-password-file", "p.txt"],
            ["--key-password-file", "-"], ["--not-in-inventory"], ["--force"], ["--passphrase-file", "pp"], ["--passphrase-file", "-"],
            ["--identity-passphrase-file", "ipp"], ["--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so"], ["--pin-file", "pin"],
            ["--accept-rollback"], ["--endorse"], ["--identity", "pkcs11:token=t;object=k"],
        ]
        var lines = extras.map { base + $0 }
        lines.append(["seal", "--role", "DW", "--key", "-", "--host", "dw01.contoso.com", "v.kv", "--identity", "id"])
        lines.append(["seal", "--identity", "id", "--role", "ssp", "v.kv", "--host", "SSP01", "--key", "k.bin"])
        lines.append(base + extras.filter { !["--passphrase-file", "--key-password-file"].contains($0.first) || !$0.contains("-") }.filter { $0.count != 4 }.flatMap { $0 })
        return lines
    }()

    /// Restore lines, likewise.
    static let restoreLines: [[String]] = {
        let base = ["restore", "v.kv", "--role", "sm", "--out", "o.bin"]
        let extras: [[String]] = [
            [], ["--identity", "id"], ["--identity", "a", "--identity", "b"], ["--version", "3"], ["--version", "4294967295"],
            ["--key-password-out", "p.txt"], ["--show-key-password"], ["--force"], ["--salvage"], ["--passphrase-file", "-"],
            ["--identity-passphrase-file", "ipp"], ["--pkcs11-module", "m.so"], ["--pin-file", "pin"], ["--accept-rollback"], ["--endorse"],
        ]
        var lines = extras.map { base + $0 }
        lines.append(["restore", "--out", "o.bin", "v.kv", "--role", "ssp", "--identity", "id"])
        lines.append(base + extras.filter { $0 != ["--identity", "a", "--identity", "b"] && $0 != ["--version", "3"] }.flatMap { $0 })
        return lines
    }()

    @Test(arguments: sealLines + restoreLines)
    func aPlainLineGivesWhatArgumentParserGives(arguments: [String]) throws {
        let quick = Self.job(of: try #require(QuickArguments.job(arguments), "not taken by the quick parser: \(arguments)"))
        let full = try #require(Self.job(of: try KeyVaultCommand.parseAsRoot(arguments)), "ArgumentParser parsed another command: \(arguments)")
        #expect(Self.picture(quick) == Self.picture(full))
        #expect(type(of: quick) == type(of: full))
    }

    /// Lines the quick parser must leave to ArgumentParser: help, other spellings, anything unknown or repeated, values
    /// that fail a check (whose message is ArgumentParser's to give), the SSH forms, other commands.
    static let declined: [[String]] = [
        [], ["--version"], ["help", "seal"], ["list", "v.kv"], ["verify", "v.kv", "--identity", "id"],
        ["seal", "--help"], ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin", "-h"],
        ["seal", "v.kv", "--role=sm", "--host", "SM01", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin", "--"],
        ["seal", "v.kv", "--role", "sm", "--role", "dw", "--host", "SM01", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin", "--force", "--force"],
        ["seal", "v.kv", "w.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin"],
        ["seal", "--role", "sm", "--host", "SM01", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "-k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", ""],
        ["seal", "v.kv", "--role", "xx", "--host", "SM01", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "bad name", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--key", "k.bin"],
        ["seal", "v.kv", "--role", "sm", "--from", "ssh://sm01/C:/k.bin"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin", "--bogus"],
        ["seal", "v.kv", "--role", "sm", "--host", "SM01", "--key", "k.bin", "--generate-completion-script", "bash"],
        ["restore", "v.kv", "--role", "sm", "--out", "o.bin", "--version", "+3"],
        ["restore", "v.kv", "--role", "sm", "--out", "o.bin", "--version", "0"],
        ["restore", "v.kv", "--role", "sm", "--out", "o.bin", "--version", "4294967296"],
        ["restore", "v.kv", "--role", "sm", "--out", "-"],
        ["restore", "v.kv", "--role", "sm", "--to", "ssh://sm01/C:/k.bin"],
        ["restore", "v.kv", "--role", "sm"],
        ["restore", "v.kv", "--role", "sm", "--out", "o.bin", "--key-password-out", "o.bin"],
        ["restore", "v.kv", "--role", "sm", "--out", "o.bin", "--help"],
    ]

    @Test(arguments: declined)
    func anythingElseIsLeftToArgumentParser(arguments: [String]) {
        #expect(QuickArguments.job(arguments) == nil)
    }

    /// Through the program: a line the quick parser takes and the same line in a spelling it declines
    /// (`--role=sm`) fail the same way, in the same words, on the same missing vault.
    @Test func bothPathsReportTheSameFailure() throws {
        for (quick, full) in [
            (
                ["seal", "/nonexistent/v.kv", "--role", "sm", "--host", "SM01", "--key", "/nonexistent/k.bin"],
                ["seal", "/nonexistent/v.kv", "--role=sm", "--host", "SM01", "--key", "/nonexistent/k.bin"]
            ),
            (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp/o.bin"], ["restore", "/nonexistent/v.kv", "--role=sm", "--out", "/tmp/o.bin"]),
        ] {
            #expect(QuickArguments.job(quick) != nil && QuickArguments.job(full) == nil)
            let a = try CLI.run(quick), b = try CLI.run(full)
            #expect(a.status == b.status && a.stderr == b.stderr && a.stdout == b.stdout, "\(a)\n\(b)")
            #expect(a.status != 0 && !a.stderr.isEmpty, "\(a)")
        }
    }
}
