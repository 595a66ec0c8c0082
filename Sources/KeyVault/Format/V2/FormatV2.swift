// Version 2's fixed sizes and magic values (docs/FORMAT-V2-DESIGN.md, "Layout"). Not yet a format any command writes.

/// Constants of the version-2 layout: a preamble, two copies of the slot area, and chunks of commits.
enum FormatV2 {
    static let version: UInt16 = 2
    /// Where the first slot copy starts; the preamble and zeros come before it.
    static let blockSize = 4096
    static let preambleCount = 16
    static let slotCopyMagic: [UInt8] = Array("KVSLOTS2".utf8)
    static let chunkMagic: [UInt8] = Array("KVCHUNK2".utf8)
    static let commitMagic: [UInt8] = Array("KVC2".utf8)
    static let linkMagic: [UInt8] = Array("KVNX".utf8)
    /// `"KVSLOTS2" ‖ seq u64 ‖ slot_copy_size u32 ‖ identity_bytes[36]`.
    static let slotCopyHeadCount = 8 + 8 + 4 + 36
    static let checkCount = 32
    static let maxSlotCopySize = 1 << 20
    /// `"KVCHUNK2" ‖ capacity u32 ‖ zeros[52]`: commits start 64 bytes into a chunk.
    static let chunkHeadCount = 64
    /// `"KVNX" ‖ next_chunk u64 ‖ zeros[4] ‖ H("KVNX" ‖ this chunk's offset u64 ‖ next_chunk)`.
    static let linkCount = 48
    /// `"KVC2" ‖ number u64 ‖ changes_len u32 ‖ keys_offset u64`.
    static let commitHeadCount = 24
    /// `check[32] ‖ mac[32]`.
    static let commitTailCount = 64
    /// Commits and their tails start at multiples of this from the chunk's start, so a tail never straddles a sector.
    static let commitAlignment = 64
    /// A padding change's type: the highest, so that it is last in type order after any informational change.
    static let paddingType: UInt8 = 0xFF
    static let minChunkCapacity = 16 * 1024
    /// The sum of every chunk's capacity (version 1's header limit).
    static let maxMetadataCount = 256 << 20

    /// `n` rounded up to a multiple of `unit`.
    static func roundUp(_ n: Int, to unit: Int) -> Int { (n + unit - 1) / unit * unit }
}
