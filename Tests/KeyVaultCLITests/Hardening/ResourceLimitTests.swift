// Hostile lengths and costs are refused quickly, with a clear message, in bounded memory: each case runs the real
// binary under a small Python harness that reports the child's peak RSS (getrusage of a fresh parent).
import Foundation
import Testing

struct ResourceLimitTests {
    struct Measured { let run: Run; let seconds: Double; let peakKiB: Int }

    /// Runs keyvault ARGS from a fresh python3 parent and reads back the only child's peak RSS.
    func measured(_ arguments: [String]) throws -> Measured {
        let script = """
            import resource, subprocess, sys, time
            t = time.monotonic()
            r = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, capture_output=True)
            sys.stdout.buffer.write(r.stdout); sys.stderr.buffer.write(r.stderr)
            print("@@%d %.6f %d" % (r.returncode, time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
            """
        let r = try CLI.execute(["/usr/bin/python3", "-c", script, CLI.binary] + arguments)
        let marker = try #require(r.stdout.components(separatedBy: "@@").last)
        let fields = marker.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        let output = String(r.stdout.components(separatedBy: "@@").first ?? "")
        return Measured(run: Run(status: Int32(fields[0]) ?? -1, stdout: output, stderr: r.stderr),
                        seconds: Double(fields[1]) ?? 99, peakKiB: Int(fields[2]) ?? Int.max)
    }

    /// A passphrase vault with one entry; offsets below follow docs/FORMAT.md for a vault without a threshold.
    func base() throws -> (Workspace, [UInt8]) {
        let ws = try Workspace()
        try ws.initVault()
        _ = try ws.key("sm.bin")
        guard try ws.seal(role: "sm", host: "SM01", key: "sm.bin").status == 0 else { throw WorkspaceError(message: "seal") }
        return (ws, try ws.read("vault.kv"))
    }

    static func put32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
    }

    static let kdfMemory = 44 + 5, kdfOps = 44 + 1, entryCount = 44 + 97, headerSize = 12, firstMeta = 44 + 97 + 4 + 2

    @Test(arguments: [
        ("Argon2id memory of 2^40 bytes", kdfMemory, UInt32(1 << 30),
         "vault refused: its Argon2id parameters are beyond what keyvault accepts (1073741824 KiB of memory, accepted 8-1048576 KiB); the file is damaged or hostile"),
        ("Argon2id memory below 8 KiB", kdfMemory, UInt32(7),
         "vault refused: its Argon2id parameters are beyond what keyvault accepts (7 KiB of memory, accepted 8-1048576 KiB); the file is damaged or hostile"),
        ("2^32-1 Argon2id passes", kdfOps, UInt32.max,
         "vault refused: its Argon2id parameters are beyond what keyvault accepts (4294967295 passes, accepted 1-10); the file is damaged or hostile"),
        ("a header claiming 2^32-1 entries", entryCount, UInt32.max,
         "vault damaged: entry count 4294967295 cannot fit in a 316-byte header (limit 1048576 entries)"),
        ("a 4 GiB header size", headerSize, UInt32.max,
         "vault damaged: header size 4294967295 is outside 109-268435456 bytes"),
    ])
    func hostileFieldsAreRefusedQuicklyInBoundedMemory(what: String, offset: Int, value: UInt32, error: String) throws {
        let (ws, original) = try base(); defer { ws.cleanUp() }
        // The seal's audit-log record (issue 6) is in the header, and its size depends on the user and machine names.
        let size = original[12..<16].reduce(0) { $0 << 8 | Int($1) }
        let error = error.replacingOccurrences(of: "316-byte", with: "\(size)-byte")
        var bytes = original
        Self.put32(&bytes, offset, value)
        try ws.write(bytes, to: "hostile.kv")
        for command in [["verify", ws.file("hostile.kv"), "--passphrase-file", ws.file("pass")], ["list", ws.file("hostile.kv")]] {
            let m = try measured(command)
            #expect(m.run.status == 5, "\(what): \(m.run)")
            #expect(m.run.error == error, "\(what): \(m.run)")
            #expect(m.seconds < 2, "\(what): took \(m.seconds) s")
            #expect(m.peakKiB < 64 * 1024, "\(what): peak RSS \(m.peakKiB) KiB")
        }
    }

    @Test func anEntryClaimingA4GiBKeyIsRefused() throws {
        let (ws, original) = try base(); defer { ws.cleanUp() }
        // Walk the first entry's metadata fields (tag u8, len u16, value) to the size field, tag 05.
        var at = Self.firstMeta, sizeOffset: Int?
        while at + 3 <= original.count, sizeOffset == nil {
            let tag = original[at], len = Int(original[at + 1]) << 8 | Int(original[at + 2])
            if tag == 5 { sizeOffset = at + 3 }
            at += 3 + len
        }
        var bytes = original
        Self.put32(&bytes, try #require(sizeOffset), UInt32.max)
        try ws.write(bytes, to: "hostile.kv")
        let m = try measured(["verify", ws.file("hostile.kv"), "--passphrase-file", ws.file("pass")])
        #expect(m.run.status == 5, "\(m.run)")
        #expect(m.run.error.hasPrefix("vault damaged"), "\(m.run)")
        #expect(m.seconds < 2 && m.peakKiB < 64 * 1024, "\(m.seconds) s, \(m.peakKiB) KiB")
    }
}
