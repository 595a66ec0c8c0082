// One escrowed key's public record: who it belongs to and what it looks like, never its bytes.

/// The metadata of one sealed key. Stored in the clear in the vault's index and authenticated (as associated
/// data of the entry's seal, and by the vault tag), so it can be listed without the passphrase.
public struct Entry: Hashable, Sendable {
    /// The role whose key this is.
    public let role: Role
    /// The computer the key was exported from, as the operator gave it.
    public let host: HostName
    /// 1 for the first key sealed for this (host, role), then 2, 3, …
    public let version: UInt32
    /// When the key was sealed (UTC).
    public let createdAt: Timestamp
    /// The key file's size in bytes.
    public let size: UInt32
    /// Keyed fingerprint of the key bytes.
    public let fingerprint: Fingerprint
    /// A free-text label, possibly empty.
    public let label: String
    /// ``label`` as printed for people: control characters and invisible or bidirectional formatting characters
    /// (which this version refuses to write, but older vaults may hold) shown as `\u{…}`.
    public var visibleLabel: String { FreeText.visible(label) }
    /// The key file's original name (no directories), possibly empty.
    public let originalFileName: String

    /// Position of the entry in the vault's index (0-based).
    public let index: Int

    /// A short human name: `sm key of SM01 (version 2)`.
    public var displayName: String { "\(role) key of \(host) (version \(version))" }
}
