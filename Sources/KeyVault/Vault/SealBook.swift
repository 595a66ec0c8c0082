// The entries a seal must check against, indexed so that each check costs the same however large the vault is.

/// Entries by fingerprint (for the same-key rule) and by (role, short name) (for versions), so that sealing
/// item n of a batch does not rescan the n entries before it.
struct SealBook {
    private var byFingerprint: [Fingerprint: [Entry]] = [:]
    private var byShortName: [String: [Entry]] = [:]
    private(set) var count = 0

    init(_ entries: [Entry]) {
        byFingerprint.reserveCapacity(entries.count)
        for entry in entries { add(entry) }
    }

    /// Role and lowercased first label: every host that can match another shares its first label.
    private static func group(_ role: Role, _ host: HostName) -> String {
        "\(role.rawValue)|\(host.shortName.lowercased())"
    }

    mutating func add(_ entry: Entry) {
        byFingerprint[entry.fingerprint, default: []].append(entry)
        byShortName[SealBook.group(entry.role, entry.host), default: []].append(entry)
        count += 1
    }

    /// Refuses a key already sealed for another host or role; returns the latest entry holding the same bytes.
    func check(_ fingerprint: Fingerprint, role: Role, host: HostName) throws -> Entry? {
        guard let same = byFingerprint[fingerprint] else { return nil }
        if let clash = same.first(where: { !($0.role == role && $0.host.matches(host)) }) {
            throw KeyVaultError.invalidArgument(
                "refused: this key file is already sealed as the \(clash.displayName); each server's key is different (and SM and DW keys are never the same), so check that you picked the right file")
        }
        return same.last
    }

    /// One more than the highest version among entries of `role` whose host matches `host` (``RestoreRule/nextVersion(in:role:host:)``).
    func nextVersion(role: Role, host: HostName) -> UInt32 {
        RestoreRule.nextVersion(in: byShortName[SealBook.group(role, host)] ?? [], role: role, host: host)
    }
}
