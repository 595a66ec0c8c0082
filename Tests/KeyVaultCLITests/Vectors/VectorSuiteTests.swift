// Runs every case of Fixtures/vectors (a vault and its NAME.expect) through the built binary; see its README.
import Foundation
import Testing
import KeyVaultTestSupport

/// One test vector, read from its `.expect` file alone.
struct VectorCase: CustomStringConvertible, Sendable {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors").path

    let name: String
    let fields: [String: String]
    var description: String { name }

    static func all() -> [VectorCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".expect") }.sorted().compactMap { file in
            guard let text = try? TestFiles.text("\(folder)/\(file)") else { return nil }
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = String(line[line.index(after: colon)...].drop { $0 == " " })
            }
            return VectorCase(name: String(file.dropLast(".expect".count)), fields: fields)
        }
    }

    /// `keyvault WORD VAULT REST… [--out FILE] [--passphrase-file F] [--identity F]…`, with names relative to the folder.
    func arguments(out: String) -> [String] {
        let words = (fields["command"] ?? "").split(separator: " ").map(String.init)
        var argv = [words.first ?? ""] + [fields["vault"] ?? "\(name).kv"] + words.dropFirst()
        if words.first == "restore" { argv += ["--out", out] }
        if let passphrase = fields["passphrase-file"] { argv += ["--passphrase-file", passphrase] }
        for identity in (fields["identity"] ?? "").split(separator: " ") { argv += ["--identity", String(identity)] }
        return argv
    }
}

@Suite struct VectorSuiteTests {
    @Test func theSuiteIsThere() {
        let cases = VectorCase.all()
        #expect(cases.count >= 90, "found \(cases.count) vectors in \(VectorCase.folder)")
        #expect(cases.filter { $0.fields["exit"] == "0" }.count >= 20)
    }

    @Test func everyCaseIsComplete() throws {
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: VectorCase.folder))
        for c in VectorCase.all() {
            for key in ["description", "vault", "command", "exit", "intact"] {
                #expect(c.fields[key] != nil, "\(c.name) has no \(key):")
            }
            #expect(files.contains(c.fields["vault"] ?? ""), "\(c.name): its vault is missing")
            for side in [c.fields["passphrase-file"]].compactMap({ $0 }) + (c.fields["identity"] ?? "").split(separator: " ").map(String.init) {
                #expect(files.contains(side), "\(c.name): side file \(side) is missing")
            }
            if c.fields["exit"] != "0" { #expect(c.fields["error"] != nil, "\(c.name): a failing case states its error") }
            if c.fields["command"]?.hasPrefix("restore") == true { #expect(c.fields["host"] != nil, "\(c.name): restore needs host:") }
        }
        // No vault without a case that reads it.
        let read = Set(VectorCase.all().compactMap { $0.fields["vault"] })
        for file in files where file.hasSuffix(".kv") { #expect(read.contains(file), "\(file) is no case's vault") }
    }

    /// Cases that name no host run anywhere; those that restore on a named host need `unshare --uts`.
    @Test(arguments: VectorCase.all().filter { $0.fields["host"] == nil })
    func vector(_ c: VectorCase) throws { try check(c) }

    @Test(.namedHosts, arguments: VectorCase.all().filter { $0.fields["host"] != nil })
    func vectorOnANamedHost(_ c: VectorCase) throws { try check(c) }

    func check(_ c: VectorCase) throws {
        let scratch = NSTemporaryDirectory() + "kv-vector-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let out = "\(scratch)/restored.bin"
        // A successful restore records itself in the vault's audit log (issue 6), so every case runs on copies of its
        // files, under the same relative names: the vectors themselves are never written.
        let sides = [c.fields["vault"] ?? "\(c.name).kv", c.fields["passphrase-file"]].compactMap { $0 } + (c.fields["identity"] ?? "").split(separator: " ").map(String.init)
        for name in sides {
            try FileManager.default.copyItem(atPath: "\(VectorCase.folder)/\(name)", toPath: "\(scratch)/\(name)")
        }

        let start = ContinuousClock.now
        let r = try CLI.run(c.arguments(out: out), host: c.fields["host"], in: scratch)
        let elapsed = ContinuousClock.now - start

        #expect("\(r.status)" == c.fields["exit"], "\(c.name): \(c.fields["description"] ?? "")\n\(r)")
        if let error = c.fields["error"] {
            #expect(r.error == (error == "none" ? "" : error), "\(c.name)\n\(r)")
        }
        if let output = c.fields["output"] {
            #expect(r.stdout.split(separator: "\n").last.map(String.init) == output, "\(c.name)\n\(r)")
        }
        if let sha = c.fields["restored-sha256"] {
            let sum = try CLI.execute(["/usr/bin/sha256sum", out])
            #expect(sum.stdout.split(separator: " ").first.map(String.init) == sha, "\(c.name): restored key differs\n\(r)")
        } else {
            #expect(!FileManager.default.fileExists(atPath: out), "\(c.name): wrote a key it should not have")
        }
        if let limit = c.fields["max-seconds"].flatMap(Double.init) {
            #expect(elapsed < .seconds(limit), "\(c.name) took \(elapsed); refused input must be refused before any costly work")
        }
    }
}
