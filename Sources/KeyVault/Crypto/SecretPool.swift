// Guarded memory for small secrets, carved from regions that `sodium_malloc` gave once (as OpenSSL's secure heap
// and GnuPG's secmem pool theirs): a command holds about twenty keys and subkeys of 32 or 64 bytes, and giving
// each its own `sodium_malloc` cost about a dozen system calls (mmap, mprotect, mlock, madvise, and their undoing),
// 233 of a seal's 490.
internal import CSodium

/// Slots of ``slotSize`` bytes in guarded memory, for secrets no larger than that.
///
/// Each region is one `sodium_malloc` of ``slotsPerRegion`` slots: guard pages around it, locked against swapping,
/// excluded from core dumps. A slot is wiped when it is given back, and again when it is handed out; regions are kept
/// for the life of the process (at most what the most small secrets alive at once needed). What is given up: a
/// guard page between two secrets of the same region (Swift's bounds-checked buffers, and every access through
/// ``SecretBytes/withUnsafeBytes(_:)`` limited to the secret's count, are what keep one from reaching the next).
final class SecretPool: @unchecked Sendable {
    /// The largest secret a slot holds.
    static let slotSize = 64
    /// Slots per region: one page of them.
    static let slotsPerRegion = 64
    /// The pool every ``SecretBytes`` takes its small secrets from.
    static let shared = SecretPool()

    /// The slots given back, and those of regions not handed out yet.
    private let free = Locked<[UnsafeMutableRawPointer]>([])

    /// A pool of its own (tests); everything else uses ``shared``.
    init() {}

    /// A zeroed slot, or nil when guarded memory for a new region cannot be allocated.
    func allocate() -> UnsafeMutableRawPointer? {
        let slotSize = Self.slotSize, slotsPerRegion = Self.slotsPerRegion
        let slot = free.withLock { slots -> UnsafeMutableRawPointer? in
            if slots.isEmpty {
                let size = slotSize * slotsPerRegion
                guard let region = sodium_malloc(size) else { return nil }
                sodium_memzero(region, size)
                MemoryLock.check(region, size)
                slots.reserveCapacity(slotsPerRegion)
                for i in stride(from: slotsPerRegion - 1, through: 0, by: -1) { slots.append(region + i * slotSize) }
            }
            return slots.removeLast()
        }
        if let slot { sodium_memzero(slot, slotSize) }
        return slot
    }

    /// Wipes `slot` and gives it back.
    func release(_ slot: UnsafeMutableRawPointer) {
        sodium_memzero(slot, Self.slotSize)
        free.withLock { $0.append(slot) }
    }
}
