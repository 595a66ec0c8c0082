// Guarded memory for small secrets, carved from regions that `sodium_malloc` gave once (as OpenSSL's secure heap
// and GnuPG's secmem pool theirs): a command holds about twenty keys and subkeys of 32 or 64 bytes, and giving
// each its own `sodium_malloc` cost about a dozen system calls (mmap, mprotect, mlock, madvise, and their undoing),
// 233 of a seal's 490.
internal import CSodium

/// Slots of ``slotSize`` bytes in guarded memory, for secrets no larger than that.
///
/// Each region is one `sodium_malloc` of ``slotsPerRegion`` slots: guard pages around it, locked against swapping,
/// excluded from core dumps. A slot is wiped when it is given back, and again when it is handed out; slots are handed
/// out oldest-returned first, so a slot just given back is the last to be reused; regions are kept for the life of
/// the process (at most what the most small secrets alive at once needed).
///
/// What is given up against a `sodium_malloc` each: a guard page right after each small secret and a canary before
/// it, which turned an overrun or underrun into a crash. Within a region, a bug that indexed past a secret's count
/// would now reach its neighbour unnoticed (raw-buffer subscripts are not checked in release builds). Every access is
/// through a buffer of the secret's own count (``SecretBytes/withUnsafeBytes(_:)``), and every fixed-size C call
/// writes into a secret of exactly its size (checked by an attacker's review, 2026-12-05); no such bug is known.
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
        // sodium_malloc before sodium_init aborts the process (libsodium does not know the page size yet): a pool
        // made apart from SecretBytes, which initialises libsodium first, must not depend on that.
        guard Sodium.isReady else { return nil }
        let slotSize = Self.slotSize, slotsPerRegion = Self.slotsPerRegion
        let slot = free.withLock { slots -> UnsafeMutableRawPointer? in
            if slots.isEmpty {
                let size = slotSize * slotsPerRegion
                guard let region = sodium_malloc(size) else { return nil }
                sodium_memzero(region, size)
                MemoryLock.check(region, size)
                slots.reserveCapacity(slotsPerRegion)
                for i in 0..<slotsPerRegion { slots.append(region + i * slotSize) }
            }
            // First in, first out (a few dozen pointers moved): a dangling pointer into a secret just released does
            // not meet the next secret at once.
            return slots.removeFirst()
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
