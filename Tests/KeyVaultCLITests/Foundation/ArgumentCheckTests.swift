// Arguments are checked as they are parsed (the commands' validate()): a bad role, host or combination of options is
// refused in keyvault's own words, exit 2, before any file is read; the shell completes roles and KDF levels.
import Testing

struct ArgumentCheckTests {
    /// The vault named does not exist: each of these would otherwise fail on that, so the argument check came first.
    static let refusedBeforeAnyFile: [([String], String)] = [
        (
            ["restore", "/nonexistent/v.kv", "--role", "xx", "--out", "/tmp/o"],
            "unknown role 'xx': use one of sm, dw, ssp (sm = Service Manager management server, dw = data warehouse management server, ssp = Self-Service Portal)"
        ),
        (["restore", "/nonexistent/v.kv", "--role", "sm"], "say where to write the key: --out FILE, or --to ssh://HOST/PATH"),
        (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp/o", "--version", "0"], "--version counts from 1"),
        (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp/o", "--key-password-out", "/tmp/o"], "--key-password-out and --out name the same file"),
        // The same file however it is written (found by an attacker's review: with --force, the password replaced the
        // key, and both were reported written).
        (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp/o", "--key-password-out", "/tmp/./o"], "--key-password-out and --out name the same file"),
        (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp//o", "--key-password-out", "/tmp/../tmp/o"], "--key-password-out and --out name the same file"),
        (["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "o2.bin", "--key-password-out", "./o2.bin", "--force"], "--key-password-out and --out name the same file"),
        (["seal", "/nonexistent/v.kv", "--role", "sm", "--key", "k.bin", "--host", "bad name"], "invalid host name 'bad name': it contains a space (at position 4)"),
        (["seal", "/nonexistent/v.kv", "--role", "sm", "--key", "k.bin"], "--host NAME is required with --key (with --from, the name the server reports is used)"),
        (["seal", "/nonexistent/v.kv", "--role", "sm", "--host", "SM01"], "say which key to seal: --key FILE, or --from ssh://HOST/PATH"),
        (["retire", "/nonexistent/v.kv", "--role", "sm", "--host", "SM01", "--reason", "x", "--version", "0"], "--version counts from 1"),
        (["promote", "/nonexistent/v.kv", "--host", "sm 02"], "invalid host name 'sm 02': it contains a space (at position 3)"),
        (["plan", "/nonexistent/v.kv", "--failed=-x"], "invalid host name '-x': the label '-x' starts with '-'"),
        (
            ["init", "/nonexistent/v.kv", "--kdf", "bogus"],
            "The value 'bogus' is invalid for '--kdf <cost>'. Please provide one of 'interactive', 'moderate' or 'sensitive'. (see 'keyvault help')"
        ),
    ]

    /// `--version` alone is answered before ArgumentParser builds anything, with what it would print; with anything
    /// else on the line, ArgumentParser parses as always.
    @Test func versionAloneIsAnsweredAtOnce() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0 && r.stdout == "0.1.0\n" && r.stderr.isEmpty, "\(r)")
        let withHelp = try CLI.run(["--version", "--help"])
        #expect(withHelp.stdout != "0.1.0\n", "\(withHelp)")
        // restore and retire take --version <n>: their help lists that one only (ArgumentParser added a "Show the
        // version." flag to every command's help, which `restore --version` did not do), and "-1" is read as its value.
        for command in ["restore", "retire"] {
            let help = try CLI.run(["help", command])
            #expect(help.stdout.contains("--version <n>") && !help.stdout.contains("Show the version."), "\(help)")
        }
        let negative = try CLI.run(["restore", "/nonexistent/v.kv", "--role", "sm", "--out", "/tmp/o", "--version", "-1"])
        #expect(negative.status == 2 && negative.error == "The value '-1' is invalid for '--version <n>' (see 'keyvault help')", "\(negative)")
    }

    /// ArgumentParser wraps a line of the help's discussion that is wider than the terminal at column 0, which broke the
    /// exit-code table into unindented fragments: every line of it must fit 80 columns as written.
    @Test func theExitCodeTableFitsEightyColumns() throws {
        let r = try CLI.run(["--help"], environment: ["COLUMNS": "80"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "EXIT CODES"), let end = lines.firstIndex(where: { $0.hasPrefix("USAGE:") })
        else {
            Issue.record("no exit-code table before the usage line: \(r)")
            return
        }
        let table = lines[(start + 1)..<end].filter { !$0.isEmpty }
        #expect(table.count >= 7, "\(r)")
        for line in table {
            #expect(line.count <= 80 && line.hasPrefix("  "), "\(line)")
        }
    }

    @Test(arguments: refusedBeforeAnyFile)
    func refusedInOneLineBeforeAnyFileIsRead(arguments: [String], error: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 2, "\(r)")
        #expect(r.error == error, "\(r)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty, "\(r)")
    }

    /// How each shell's script offers the values of `--role` and `--kdf`.
    static let completions: [(String, [String])] = [
        ("bash", ["-W 'sm'$'\\n''dw'$'\\n''ssp'", "-W 'interactive'$'\\n''moderate'$'\\n''sensitive'"]),
        ("zsh", ["('sm' 'dw' 'ssp')", "('interactive' 'moderate' 'sensitive')"]),
        ("fish", ["-rfka 'sm dw ssp'", "-rfka 'interactive moderate sensitive'"]),
    ]

    @Test(arguments: completions)
    func theShellCompletesRolesAndKDFLevels(shell: String, offers: [String]) throws {
        let r = try CLI.run(["--generate-completion-script", shell])
        #expect(r.status == 0, "\(r)")
        for offer in offers { #expect(r.stdout.contains(offer), "\(shell) script lacks \(offer)") }
    }
}
