// Every fixed number of docs/FORMAT.md, in one place.

/// Constants of vault format v1 (docs/FORMAT.md, "Constants").
package enum FormatV1 {
    /// `89 4B 56 41 55 4C 54 0A`: a non-ASCII first byte, "KVAULT", a newline.
    package static let magic: [UInt8] = [0x89, 0x4B, 0x56, 0x41, 0x55, 0x4C, 0x54, 0x0A]
    static let version: UInt16 = 1
    /// Flag bit 0: the vault has a threshold; its slots hold Shamir shares, and a threshold byte follows slot_count.
    static let flagThreshold: UInt16 = 0x0001
    /// Flag bit 2: an extension area (vault-level sections: inventory, escrowed passwords, drills, the audit log)
    /// lies between the index and the checksum. Bit 1 is never used: published vectors pin it as an unknown flag.
    static let flagExtensions: UInt16 = 0x0004
    static let knownFlags: UInt16 = flagThreshold | flagExtensions
    /// magic, version, flags, header_size, vault_id, created_at, slot_count.
    static let fixedHeaderCount = 8 + 2 + 2 + 4 + 16 + 8 + 1
    static let vaultIDCount = 16
    static let checksumCount = 32
    static let vaultTagCount = 32
    static let maxSlots = 16
    static let maxEntries: UInt32 = 1 << 20
    static let maxHeaderSize: UInt32 = 256 << 20
    static let maxMetadataCount = 4096
    /// An escrowed key file may be at most 16 MiB.
    static let maxKeySize: UInt32 = 16 << 20
    static let maxLabelBytes = 256
    static let maxFileNameBytes = 255
    /// Extension area (docs/FORMAT.md, "Extension area").
    static let maxSections = 32
    static let maxItemBytes = 4096
    static let maxHosts = 1024
    static let maxDatabases = 1024
    static let maxLogRecords = 65_536
    /// The most records an audit log may say it dropped (2^48): more than any vault can have written.
    static let maxDroppedLogRecords: UInt64 = 1 << 48
    static let maxKeyPasswordBytes = 1024
    static let maxManagementGroupBytes = 128
}
