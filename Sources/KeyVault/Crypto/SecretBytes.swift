// Secret bytes in libsodium guarded memory (guard pages, mlock, wiped on release).
internal import CSodium

/// A buffer of secret bytes: a passphrase, a vault key, a decrypted escrowed key.
///
/// The bytes live in memory from `sodium_malloc`: surrounded by guard pages, locked against swapping where the
/// system allows it, excluded from core dumps, and wiped when the last reference goes away. Secrets of up to 64
/// bytes (keys, subkeys, seeds) share regions of such memory, a page of slots each, rather than a `sodium_malloc`
/// each (see `SecretPool`).
/// `SecretBytes` has no `description` that shows its contents, and compares in constant time.
public final class SecretBytes: @unchecked Sendable, Equatable {
    private let base: UnsafeMutableRawPointer
    /// Whether `base` is a ``SecretPool`` slot rather than a `sodium_malloc` of its own.
    private let pooled: Bool
    /// The number of secret bytes.
    public let count: Int

    /// Allocates `count` zeroed bytes of guarded memory.
    ///
    /// - Parameter count: how many bytes; zero is allowed.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when `count` is negative;
    ///   ``KeyVaultError/Code-swift.struct/crypto`` when guarded memory cannot be allocated.
    public init(zeroedCount count: Int) throws {
        try Sodium.ensureReady()
        guard count >= 0 else { throw KeyVaultError.invalidArgument("a secret cannot have a negative size (\(count) bytes)") }
        if count <= SecretPool.slotSize, let slot = SecretPool.shared.allocate() {
            base = slot
            pooled = true
        } else {
            guard let base = sodium_malloc(Swift.max(count, 1)) else {
                throw KeyVaultError(.crypto, "out of memory: guarded memory for a secret could not be allocated (sodium_malloc failed); free memory or raise the process's limits and try again")
            }
            sodium_memzero(base, Swift.max(count, 1))
            MemoryLock.check(base, Swift.max(count, 1))
            self.base = base
            pooled = false
        }
        self.count = count
    }

    /// Copies `bytes` into guarded memory. The source is not wiped: prefer reading secrets straight into
    /// `SecretBytes` (see ``SecretInput/keyFile(_:maxCount:)`` and ``SecretInput/passphrase(fromFile:)``) where you can.
    ///
    /// - Parameter bytes: the bytes to copy.
    /// - Throws: ``KeyVaultError/Code-swift.struct/crypto`` when guarded memory cannot be allocated.
    public convenience init(copying bytes: some Collection<UInt8>) throws {
        try self.init(zeroedCount: bytes.count)
        let target = base.assumingMemoryBound(to: UInt8.self)
        for (offset, byte) in bytes.enumerated() { target[offset] = byte }
    }

    /// Generates `count` random bytes with `randombytes_buf`.
    ///
    /// - Parameter count: how many bytes.
    /// - Returns: fresh secret bytes.
    /// - Throws: ``KeyVaultError/Code-swift.struct/crypto`` when guarded memory cannot be allocated.
    public static func random(count: Int) throws -> SecretBytes {
        let secret = try SecretBytes(zeroedCount: count)
        if count > 0 { randombytes_buf(secret.base, count) }
        return secret
    }

    deinit {
        // Both wipe before releasing.
        if pooled { SecretPool.shared.release(base) } else { sodium_free(base) }
    }

    /// Calls `body` with a read-only view of the secret bytes. Do not let the pointer escape.
    ///
    /// - Parameter body: the closure to run.
    /// - Returns: what `body` returns.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Calls `body` with a writable view of the secret bytes. Do not let the pointer escape.
    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// A copy of the first `prefix` bytes, in fresh guarded memory.
    func prefix(_ prefix: Int) throws -> SecretBytes {
        precondition(prefix >= 0 && prefix <= count)
        let copy = try SecretBytes(zeroedCount: prefix)
        if prefix > 0 { copy.base.copyMemory(from: base, byteCount: prefix) }
        return copy
    }

    /// A copy of all but the first `n` bytes, in fresh guarded memory.
    func dropFirst(_ n: Int) throws -> SecretBytes {
        precondition(n >= 0 && n <= count)
        let copy = try SecretBytes(zeroedCount: count - n)
        if count > n { copy.base.copyMemory(from: base + n, byteCount: count - n) }
        return copy
    }

    /// Whether every byte is zero (used to prove wiping in tests).
    var isAllZero: Bool {
        count == 0 || sodium_is_zero(base.assumingMemoryBound(to: UInt8.self), count) == 1
    }

    /// Overwrites the bytes with zeros now, before release.
    public func wipe() {
        sodium_memzero(base, Swift.max(count, 1))
    }

    /// Overwrites the first `n` bytes with zeros: for a buffer reused for secrets of different lengths.
    func wipe(first n: Int) {
        precondition(n >= 0 && n <= count)
        if n > 0 { sodium_memzero(base, n) }
    }

    /// Constant-time equality of contents (lengths are not secret).
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.count == 0 { return true }
        return sodium_memcmp(lhs.base, rhs.base, lhs.count) == 0
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows the contents.
    public var description: String { "SecretBytes(\(count) bytes)" }
    /// Never shows the contents.
    public var debugDescription: String { description }
}

/// Constant-time comparison of two public-length byte strings (tags, checksums).
func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
}

/// Whether `a` and `b` are equal, in time that depends only on their length.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 }
    }
}

/// Whether guarded memory is really locked against swapping: libsodium tries `mlock` but says nothing when the
/// locked-memory limit refuses it, so the first refusal is remembered here for the program to report once.
enum MemoryLock {
    private static let firstFailure = Locked<Int32?>(nil)

    /// Locks the region again (a no-op when libsodium's lock held) and notes a refusal.
    static func check(_ base: UnsafeMutableRawPointer, _ count: Int) {
        guard let code = Syscalls.lockMemory(base, count) else { return }
        firstFailure.withLock { if $0 == nil { $0 = code } }
    }

    static var failure: Int32? { firstFailure.withLock { $0 } }
}

extension SecretBytes {
    /// A one-line warning when some guarded memory could not be locked against swapping (the locked-memory limit,
    /// `ulimit -l`, was too low), or nil. Secrets were still handled; they may have reached swap. Says nothing about
    /// how large any secret is.
    public static var memoryLockWarning: String? {
        guard let code = MemoryLock.failure else { return nil }
        let limitText = Syscalls.memoryLockLimit.map { "\($0 / 1024) KiB" } ?? "unlimited"
        return
            "warning: secret memory could not be locked against swapping (\(SystemError.describe(code)); locked-memory limit \(limitText)); secrets may have reached swap: raise 'ulimit -l' or run where swap is encrypted"
    }
}
