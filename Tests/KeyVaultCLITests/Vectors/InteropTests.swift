// Runs the independent reader (Tests/interop, written from docs/FORMAT.md alone) over the golden vaults and vectors.
import Foundation
import Testing

@Suite struct InteropTests {
    /// Debian's python3, where python3-nacl (scripts/require-packages.sh) installs.
    static let python = "/usr/bin/python3"

    static var hasNaCl: Bool {
        FileManager.default.isExecutableFile(atPath: python)
            && ((try? CLI.execute([python, "-c", "import nacl.bindings"]).status) == 0)
    }

    @Test func independentReaderAgreesWithKeyvault() throws {
        guard Self.hasNaCl else {
            if CLI.inCI { Issue.record("python3-nacl is missing: run scripts/require-packages.sh") }
            return
        }
        let root = URL(fileURLWithPath: VectorCase.folder).deletingLastPathComponent().deletingLastPathComponent().path
        let r = try CLI.execute([Self.python, "\(root)/Tests/interop/check_vectors.py"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains(" 0 disagreements"), "\(r)")
    }
}
