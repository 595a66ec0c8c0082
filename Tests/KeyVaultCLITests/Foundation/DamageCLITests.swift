// Damaged and tampered vaults through the binary: flipped bytes and truncations (a part of those ByteDamageTests reads
// in process) and every chunk swapped with another vault of the same shape are caught, and damage to one entry loses
// only that entry.
import Foundation
import Testing
import KeyVaultTestSupport

struct DamageCLITests {
    /// A vault unlocked by an X25519 identity (so each of the many runs below costs no Argon2id), with two entries;
    /// with `recoveryData`, every section of the extension area too: inventory (group, host, database), an escrowed
    /// export password, drill results and the audit log. With `existing`, the vault is made there as `name`, for the
    /// identity and key files that workspace already holds (so two vaults share their custodian and their keys).
    func custodianVault(recoveryData: Bool = false, in existing: Workspace? = nil, name: String = "vault.kv", format: String = "2") throws -> (Workspace, [UInt8]) {
        let ws = try existing ?? Workspace()
        let keygen = try CLI.run(existing == nil ? ["keygen", "--out", ws.file("alice.id")] : ["keygen", "--public", ws.file("alice.id")])
        guard keygen.status == 0 else { throw WorkspaceError(message: "\(keygen)") }
        let made = try CLI.run(["init", ws.file(name), "--identity", ws.file("alice.id"), "--format", format])
        guard made.status == 0 else { throw WorkspaceError(message: "\(made)") }
        if existing == nil {
            _ = try ws.key("sm.bin", size: 48)
            _ = try ws.key("dw.bin", size: 40)
            _ = try ws.key("sm2.bin", size: 32)
        }
        for (role, host, key) in [("sm", "SM01", "sm.bin"), ("dw", "DW01", "dw.bin")] {
            let r = try CLI.run(["seal", ws.file(name), "--role", role, "--host", host, "--key", ws.file(key), "--identity", ws.file("alice.id")])
            guard r.status == 0 else { throw WorkspaceError(message: "\(r)") }
        }
        if recoveryData {
            try ws.write(Array("Export-Pa55".utf8), to: "sm.pw")
            let id = ["--identity", ws.file("alice.id")]
            for args in [
                ["seal", ws.file(name), "--role", "sm", "--host", "SM02", "--key", ws.file("sm2.bin"), "--key-password-file", ws.file("sm.pw")] + id,
                ["inventory", "group", ws.file(name), "--name", "MG1"] + id,
                ["inventory", "host", ws.file(name), "--name", "SM01", "--fqdn", "sm01.corp.example", "--role", "sm", "--primary", "--product-version", "10.22.1068.0"] + id,
                ["inventory", "database", ws.file(name), "--name", "ServiceManager", "--sql-host", "SQL01", "--instance", "SMINST"] + id,
                ["drill", ws.file(name)] + id,
            ] {
                let r = try CLI.run(args)
                guard r.status == 0 else { throw WorkspaceError(message: "\(args[0]): \(r)") }
            }
        }
        return (ws, try ws.read(name))
    }

    func verify(_ ws: Workspace, _ name: String) throws -> Run {
        try CLI.run(["verify", ws.file(name), "--identity", ws.file("alice.id")])
    }

    /// Each flip is one run of the binary, so this tries a part of the offsets ``DamageSweep`` picks, which
    /// ByteDamageTests tries in process: every 7th byte of version 1 (until 2026-12-06 every byte was flipped here, 545 s
    /// of one CI run's tests), every 5th of version 2's sample.
    @Test(arguments: ["1", "2"])
    func everyFlippedByteIsDetected(format: String) throws {
        let (ws, original) = try custodianVault(recoveryData: true, format: format); defer { ws.cleanUp() }
        #expect(try verify(ws, "vault.kv").status == 0)
        var accepted: [Int] = [], unexpected: [String] = []
        for offset in DamageSweep.every(format == "1" ? 7 : 5, of: DamageSweep.flipOffsets(original, format: Int(format)!)) {
            var bytes = original
            bytes[offset] ^= 0x01
            try ws.write(bytes, to: "flipped.kv")
            let r = try verify(ws, "flipped.kv")
            if r.status == 0 { accepted.append(offset) }
            // A damaged file is reported as damaged (5) or, when the flip hit the custodian's slot, as not unlocking (4).
            if ![4, 5].contains(r.status) || (r.stdout + r.stderr).isEmpty { unexpected.append("byte \(offset): \(r)") }
        }
        #expect(accepted.isEmpty, "flips accepted at offsets \(accepted)")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(3))")
    }

    /// Every 23rd length of version 1, every 5th of version 2's sample (``DamageSweep``; ByteDamageTests tries them
    /// all in process), and one byte more.
    @Test(arguments: ["1", "2"])
    func everyTruncationAndAnyTrailingByteIsDetected(format: String) throws {
        let (ws, original) = try custodianVault(recoveryData: true, format: format); defer { ws.cleanUp() }
        var accepted: [Int] = []
        for length in DamageSweep.every(format == "1" ? 23 : 5, of: DamageSweep.truncationLengths(original, format: Int(format)!)) {
            try ws.write(Array(original[..<length]), to: "short.kv")
            let r = try verify(ws, "short.kv")
            if r.status != 5 { accepted.append(length) }
        }
        #expect(accepted.isEmpty, "truncations not reported as damage (exit 5): \(accepted)")
        try ws.write(original + [0], to: "long.kv")
        let long = try verify(ws, "long.kv")
        #expect(long.status == 5, "\(long)")
    }

    @Test(.namedHosts) func damageToOneEntryLosesOnlyThatEntry() throws {
        let (ws, original) = try custodianVault(); defer { ws.cleanUp() }
        var bytes = original
        bytes[bytes.count - 20] ^= 0x80  // inside the last entry's ciphertext: the dw key
        try ws.write(bytes, to: "vault.kv")
        let r = try verify(ws, "vault.kv")
        #expect(r.status == 5, "\(r)")
        #expect(r.stdout.contains("ok       sm key of SM01 (version 1)"), "\(r)")
        #expect(r.stdout.contains("DAMAGED") && r.stdout.contains("dw key of DW01 (version 1)"), "\(r)")
        let json = try CLI.run(["verify", ws.file("vault.kv"), "--json", "--identity", ws.file("alice.id")])
        #expect(json.status == 5 && json.stdout.contains("\"intact\":false"), "\(json)")
        let sm = try CLI.run(["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("sm.out"), "--identity", ws.file("alice.id")], host: "SM01")
        #expect(sm.status == 0, "\(sm)")
        #expect(try ws.read("sm.out") == ws.read("sm.bin"))
        let dw = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("dw.out"), "--identity", ws.file("alice.id")], host: "DW01")
        #expect(dw.status == 5, "\(dw)")
        #expect(!ws.exists("dw.out"))
    }

    @Test func entriesMovedBetweenVaultsAreDetected() throws {
        let (a, first) = try custodianVault(); defer { a.cleanUp() }
        // Same custodian, same keys, same entries' shape, but another vault: splice its ciphertext area into the first.
        let (_, second) = try custodianVault(in: a, name: "other.kv")
        #expect(first.count == second.count)
        let area = (48 + 16) + (40 + 16)
        let spliced = Array(first[..<(first.count - area)]) + Array(second[(second.count - area)...])
        try a.write(spliced, to: "spliced.kv")
        let r = try verify(a, "spliced.kv")
        #expect(r.status == 5, "\(r)")
        #expect(!r.stdout.contains("ok       "), "\(r)")
    }

    @Test func chunksSwappedBetweenTwoVaultsAreDetected() throws {
        // Two vaults of the same shape (same custodian, same entries, every extension section), so each chunk of one
        // lands on the same field of the other: every hybrid that differs from both must be refused, never opened.
        let (ws, first) = try custodianVault(recoveryData: true); defer { ws.cleanUp() }
        let (_, second) = try custodianVault(recoveryData: true, in: ws, name: "other.kv")
        try #require(first.count == second.count, "the two vaults differ in size: \(first.count) and \(second.count)")
        #expect(try verify(ws, "other.kv").status == 0)
        var tried = 0, accepted: [String] = [], unexpected: [String] = []
        for chunk in [16, 64] {
            for start in stride(from: 0, to: first.count, by: chunk) {
                let range = start..<min(start + chunk, first.count)
                for (into, from, label) in [(first, second, "second's into first"), (second, first, "first's into second")] {
                    var bytes = into
                    bytes.replaceSubrange(range, with: from[range])
                    if bytes == first || bytes == second { continue }
                    tried += 1
                    try ws.write(bytes, to: "hybrid.kv")
                    let r = try verify(ws, "hybrid.kv")
                    if r.status == 0 { accepted.append("\(label) bytes \(range)") }
                    if ![4, 5].contains(r.status) || (r.stdout + r.stderr).isEmpty { unexpected.append("\(label) bytes \(range): \(r)") }
                }
            }
        }
        #expect(tried > 100, "only \(tried) hybrids differed from both vaults")
        #expect(accepted.isEmpty, "hybrids accepted: \(accepted)")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(3))")
    }
}
