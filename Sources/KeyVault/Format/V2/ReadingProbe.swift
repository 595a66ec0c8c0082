// Format version 2's reading cost at scale, for the benchmark program (docs/BENCHMARKS.md) before any command writes
// version 2: the design's open question is whether a replay is fast enough for flat seals.

/// Times reading a version-2 file made from a version-1 vault. Package-internal: the benchmark program's, not an API.
package enum FormatV2Probe {
    /// Median seconds of each part of reading one version-2 file, and its shape.
    package struct Timings: Sendable {
        package var fileBytes = 0
        package var chunks = 0
        package var commits = 0
        /// `ChainFile.read`: preamble, slot copies, every chunk read whole and every commit's check.
        package var read = 0.0
        /// Replay into version 1's header, its parse, and locating every sealed key.
        package var replay = 0.0
        /// The keyed chain over every commit.
        package var chain = 0.0
    }

    /// Writes the version-1 vault at `path` as two version-2 files beside it: `one` commit holding everything (an
    /// upgrade or compaction), and `each` entry in a commit of its own with one audit record (as sealing them one by
    /// one would); then reads each `reps` times, timed with `clock` (seconds).
    package static func measure(vaultAt path: String, reps: Int, clock: () -> Double) throws -> [String: Timings] {
        let vault = try Vault.open(atPath: path)
        let header = vault.header
        let copy = SlotCopy(seq: 1, identityBytes: header.identity.associatedBytes, threshold: header.threshold, slots: header.slots)
        let key = try SecretBytes.random(count: 32)
        let keys = try vault.file.read(count: header.ciphertextAreaCount, at: header.size, what: "sealed keys")
        var out: [String: Timings] = [:]

        let whole = try LogicalState(v1: header)
        let (first, _, _, _) = ChainWriter.newFile(copy: copy, changes: whole.initialChanges, keysCount: keys.count, macKey: key)
        out["one"] = try time(write: first + keys, to: path + ".v2-one", reps: reps, key: key, clock: clock)

        var file = ChainWriter.newFile(copy: copy, changes: [], keysCount: 0, macKey: key).bytes
        try write(file, to: path + ".v2-each")
        var chain = try ChainFile.read(from: OpenFile.open(path + ".v2-each", what: "vault"))
        var log = AuditLog()
        let logKey = try SecretBytes.random(count: 32)
        for (i, location) in header.locations.enumerated() {
            let record = Array(header.bytes[Int(location.start)..<(Int(location.start) + location.recordCount)])
            log.append(action: .seal, outcome: "ok", actor: AuditActor(user: "bench", machine: "bench"), at: vault.createdAt, key: logKey)
            var item = ByteWriter()
            item.u32(1)
            item.u16(UInt16(log.stored.last!.bytes.count))
            item.append(log.stored.last!.bytes)
            let start = vault.offsets[i] - header.size
            let plan = try ChainWriter.append(
                to: chain, changes: [Change(type: 3, body: record), Change(type: 6, body: item.bytes)],
                keys: Array(keys[start..<(start + location.ciphertextCount)]), macKey: key)
            for step in plan.steps {
                switch step {
                case .write(let offset, let bytes):
                    if file.count < offset + bytes.count { file += [UInt8](repeating: 0, count: offset + bytes.count - file.count) }
                    file.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
                case .extend(let size): if file.count < size { file += [UInt8](repeating: 0, count: size - file.count) }
                case .sync: break
                }
            }
            chain.apply(plan)
        }
        out["each"] = try time(write: file, to: path + ".v2-each", reps: reps, key: key, clock: clock)
        return out
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        Syscalls.unlink(path)
        let out = try AtomicFile(finalPath: path)
        try out.write(bytes)
        try out.commit(replacing: true)
    }

    private static func time(write bytes: [UInt8], to path: String, reps: Int, key: SecretBytes, clock: () -> Double) throws -> Timings {
        try write(bytes, to: path)
        var reads: [Double] = [], replays: [Double] = [], chains: [Double] = []
        var t = Timings()
        for _ in 0..<reps {
            let t0 = clock()
            let chain = try ChainFile.read(from: OpenFile.open(path, what: "vault"))
            let t1 = clock()
            let header = try VaultHeader.parse(
                try LogicalState.replay(chain.commits, copy: chain.copies[0]!).header(copy: chain.copies[0]!, checksum: false), fileSize: nil, checksummed: false)
            _ = try chain.keyOffsets(for: header)
            let t2 = clock()
            guard CommitChain.firstBroken(chain.commits, key: key) == nil else { throw KeyVaultError(.internalError, "the probe's chain does not hold") }
            let t3 = clock()
            reads.append(t1 - t0)
            replays.append(t2 - t1)
            chains.append(t3 - t2)
            t.chunks = chain.chunks.count
            t.commits = chain.commits.count
        }
        t.fileBytes = bytes.count
        t.read = reads.sorted()[reps / 2]
        t.replay = replays.sorted()[reps / 2]
        t.chain = chains.sorted()[reps / 2]
        Syscalls.unlink(path)
        return t
    }
}
