// Check-ins waiting beside a threshold vault (`VAULT.checkins`): a custodian alone cannot write the vault (its tag
// needs the vault key), so its signed check-in waits here until the next write by enough custodians folds it into
// the vault and its audit log (docs/FORMAT.md, "Check-ins waiting beside the vault").

#if canImport(Glibc)
    @preconcurrency import Glibc  // EFBIG
#endif

enum PendingCheckIns {
    static let suffix = ".checkins"
    /// Read at most this much of the file: thousands of check-ins; anything past it is ignored.
    static let maxFileCount = 1 << 20

    static func path(for vaultPath: String) -> String { vaultPath + suffix }

    /// `kvci1 <vault id> <slot digest> <time> <actor> <signature>` and a line feed; ids, digest, actor and signature
    /// in lowercase hex, time in decimal seconds.
    static func line(_ c: CheckIn, vaultID: [UInt8]) -> String {
        "kvci1 \(vaultID.hexString) \(c.slotDigest.hexString) \(c.time.secondsSinceEpoch) \(Array(c.actor.utf8).hexString) \(c.signature.hexString)\n"
    }

    /// The check-ins in the file for `vaultID`, not yet verified, and how many lines were not check-ins of this vault.
    static func read(vaultPath: String, vaultID: [UInt8]) -> (checkIns: [CheckIn], ignored: Int) {
        let path = path(for: vaultPath)
        guard Syscalls.lstat(path) != nil, let text = try? Syscalls.readSmallFile(path, max: maxFileCount) else { return ([], 0) }
        var out: [CheckIn] = []
        var ignored = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let c = parse(line, vaultID: vaultID) else {
                ignored += 1
                continue
            }
            out.append(c)
        }
        return (out, ignored)
    }

    static func parse(_ line: Substring, vaultID: [UInt8]) -> CheckIn? {
        let f = line.split(separator: " ", omittingEmptySubsequences: false)
        guard f.count == 6, f[0] == "kvci1", let id = [UInt8](hex: String(f[1])), id == vaultID,
            let digest = [UInt8](hex: String(f[2])), digest.count == 32,
            f[3].count <= 20, f[3].allSatisfy(\.isASCIIDigit), let seconds = UInt64(f[3]),
            let actorBytes = [UInt8](hex: String(f[4])), let actor = ExtensionText.decode(actorBytes[...], max: CheckIn.maxActorCount),
            let signature = [UInt8](hex: String(f[5])), signature.count == Ed25519.signatureCount
        else { return nil }
        return CheckIn(slotDigest: digest, time: Timestamp(secondsSinceEpoch: seconds), actor: actor, signature: signature)
    }

    /// Appends one check-in; the caller holds the vault's lock.
    static func append(_ c: CheckIn, vaultID: [UInt8], vaultPath: String) throws {
        let path = path(for: vaultPath)
        // Made with the vault's permission bits and group: the other custodians, who may read the vault, read and
        // append to it too.
        do { try Syscalls.appendDurably(path, Array(line(c, vaultID: vaultID).utf8), maxSize: maxFileCount, like: Syscalls.stat(vaultPath)) } catch {
            if error.code == EFBIG {
                throw KeyVaultError(
                    .io, "\(path) already holds 1 MiB of check-ins waiting for a write to the vault; a drill by enough custodians takes them in; nothing was recorded",
                    context: .init(path: path))
            }
            throw KeyVaultError.io("record the check-in in", path: path, errno: error.code)
        }
    }

    /// Removes the file once its check-ins are in the vault; the caller holds the vault's lock.
    static func remove(vaultPath: String) {
        let path = path(for: vaultPath)
        Syscalls.unlink(path)
        try? Syscalls.syncDirectory(of: path)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
