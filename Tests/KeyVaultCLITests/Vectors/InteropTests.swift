// Runs the independent reader (Tests/interop, written from docs/FORMAT.md alone) over the golden vaults and vectors.
import Foundation
import Testing

@Suite struct InteropTests {
    /// Debian's python3, where python3-nacl (scripts/require-packages.sh) installs.
    static let python = "/usr/bin/python3"

    static let hasNaCl: Bool =
        FileManager.default.isExecutableFile(atPath: python)
        && ((try? CLI.execute([python, "-c", "import nacl.bindings"]).status) == 0)

    @Test(.enabled(if: hasNaCl, "python3-nacl is missing; scripts/require-packages.sh installs it"))
    func independentReaderAgreesWithKeyvault() throws {
        let root = URL(fileURLWithPath: VectorCase.folder).deletingLastPathComponent().deletingLastPathComponent().path
        let r = try CLI.execute([Self.python, "\(root)/Tests/interop/check_vectors.py"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains(" 0 disagreements"), "\(r)")
    }

    /// The golden vault with an extension area: the reader, written from FORMAT.md, decrypts every key and escrowed
    /// password to the manifest's bytes and walks the audit log's chain; then a record edited by hand fails it.
    @Test(.enabled(if: hasNaCl, "python3-nacl is missing; scripts/require-packages.sh installs it"))
    func independentReaderReadsTheExtensionArea() throws {
        let root = URL(fileURLWithPath: VectorCase.folder).deletingLastPathComponent().deletingLastPathComponent().path
        let golden = "\(root)/Fixtures/v1-recovery"
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.write(Array("golden recovery passphrase".utf8), to: "golden.pass")
        try FileManager.default.copyItem(atPath: "\(golden)/recovery.kv", toPath: ws.file("recovery.kv"))
        let r = try CLI.execute([Self.python, "\(root)/Tests/interop/read_vault.py", ws.file("recovery.kv"), "--passphrase-file", ws.file("golden.pass")])
        #expect(r.status == 0, "\(r)")
        for file in ["sm01-v1.bin", "sm01-v1.password", "dw01-v1.bin", "dw01-v1.password", "sm02-v1.bin", "ssp01-v1.bin"] {
            let sum = try CLI.execute(["/usr/bin/sha256sum", "\(golden)/keys/\(file)"]).stdout.split(separator: " ").first.map(String.init) ?? "?"
            #expect(r.stdout.contains(sum), "\(file) not found by the reader\n\(r)")
        }
        #expect(r.stdout.contains("audit log: 15 records, chain intact"), "\(r)")
        try VaultBytes.edit(
            ws.file("recovery.kv"),
            """
            at, body, count, items = log_items()
            o, n = items[4]
            i = b.find(b'MG-CONTOSO', o, o + n)
            b[i] ^= 0x01
            """)
        let edited = try CLI.execute([Self.python, "\(root)/Tests/interop/read_vault.py", ws.file("recovery.kv"), "--passphrase-file", ws.file("golden.pass")])
        #expect(edited.status == 5 && edited.stderr.contains("audit log record 5 does not follow from the one before"), "\(edited)")
    }
}
