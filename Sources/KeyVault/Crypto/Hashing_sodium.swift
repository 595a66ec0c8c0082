// BLAKE2b-256 (crypto_generichash), keyed and unkeyed, and SHA-256 (for checking copies on other computers), through
// libsodium.
internal import CSodium

enum Hashing {
    static let digestCount = 32

    /// Unkeyed BLAKE2b-256 of `message`.
    static func blake2b(_ message: some ContiguousBytes) -> [UInt8] {
        _ = Sodium.isReady
        var out = [UInt8](repeating: 0, count: digestCount)
        message.withUnsafeBytes { m in
            _ = crypto_generichash(&out, digestCount, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count), nil, 0)
        }
        return out
    }

    /// Unkeyed BLAKE2b-256 of `first ‖ second`, without joining them: a commit's check over megabytes of changes.
    static func blake2b(_ first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8>) -> [UInt8] {
        _ = Sodium.isReady
        // The state is 64-byte aligned in C, and opaque to Swift: sized and aligned here, on the stack (this runs once
        // per commit on every open). Swift puts a temporary allocation on the stack only for an alignment of at most
        // 16 bytes (asked for 64, it took `posix_memalign` every time: 1.2 M instructions at 2,001 commits), so 63
        // bytes more are taken and the state starts at the first multiple of 64 in them.
        return withUnsafeTemporaryAllocation(byteCount: crypto_generichash_statebytes() + 63, alignment: 16) { space in
            let base = UInt(bitPattern: space.baseAddress!)
            let s = OpaquePointer(UnsafeMutableRawPointer(bitPattern: (base + 63) & ~UInt(63))!)
            _ = crypto_generichash_init(s, nil, 0, digestCount)
            first.withUnsafeBufferPointer { _ = crypto_generichash_update(s, $0.baseAddress, UInt64($0.count)) }
            second.withUnsafeBufferPointer { _ = crypto_generichash_update(s, $0.baseAddress, UInt64($0.count)) }
            return [UInt8](unsafeUninitializedCapacity: digestCount) { out, written in
                _ = crypto_generichash_final(s, out.baseAddress!, digestCount)
                written = digestCount
            }
        }
    }

    /// BLAKE2b-256 keyed with `key` of the 64 bytes `first ‖ second` (32 bytes each), written to `out` (32 bytes):
    /// one link of the commit chain, hashed for every commit on every open, so without a single allocation.
    ///
    /// - Returns: false for a key that is not 16 to 64 bytes (an empty one included, which libsodium would take as
    ///   none) or that libsodium refused; `out` is then all zeros, never a value left from an earlier call.
    static func blake2b(
        _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, key: SecretBytes, into out: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(first.count == 32 && second.count == 32 && out.count == digestCount)
        _ = Sodium.isReady
        out.initializeMemory(as: UInt8.self, repeating: 0)
        // libsodium takes an empty key as no key (an unkeyed hash anyone can compute): refused here, as are the
        // lengths it refuses itself (BLAKE2b keys are 16 to 64 bytes).
        guard (16...64).contains(key.count) else { return false }
        // Public bytes only (a mac and a check): the stack is fine for them.
        let status = withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { message in
            message.baseAddress!.copyMemory(from: first.baseAddress!, byteCount: 32)
            (message.baseAddress! + 32).copyMemory(from: second.baseAddress!, byteCount: 32)
            return key.withUnsafeBytes { k in
                crypto_generichash(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), digestCount, message.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    64, k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count)
            }
        }
        guard status == 0 else {
            out.initializeMemory(as: UInt8.self, repeating: 0)
            return false
        }
        return true
    }

    /// BLAKE2b-256 of `message` keyed with `key` (32 bytes).
    static func blake2b(_ message: some ContiguousBytes, key: SecretBytes) -> [UInt8] {
        _ = Sodium.isReady
        var out = [UInt8](repeating: 0, count: digestCount)
        message.withUnsafeBytes { m in
            key.withUnsafeBytes { k in
                _ = crypto_generichash(
                    &out, digestCount, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count)
            }
        }
        return out
    }

    /// SHA-256 of `message`, as lowercase hex: what `sha256sum` and `Get-FileHash` print for a copy on another
    /// computer, which has no BLAKE2b tool.
    static func sha256Hex(_ message: UnsafeRawBufferPointer) -> String {
        _ = Sodium.isReady
        var out = [UInt8](repeating: 0, count: 32)
        _ = crypto_hash_sha256(&out, message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count))
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: out.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// BLAKE2b-256 of `message` keyed with the secret `key` (16-64 bytes), into guarded memory: for a value that is
    /// itself a secret (the seed of a check key).
    static func blake2bSecret(_ message: [UInt8], key: SecretBytes) throws -> SecretBytes {
        _ = Sodium.isReady
        let out = try SecretBytes(zeroedCount: digestCount)
        out.withUnsafeMutableBytes { o in
            key.withUnsafeBytes { k in
                _ = crypto_generichash(
                    o.baseAddress!.assumingMemoryBound(to: UInt8.self), digestCount, message, UInt64(message.count),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count)
            }
        }
        return out
    }

    /// BLAKE2b-256 of the secret `message` keyed with `key`.
    static func blake2b(secret message: SecretBytes, key: SecretBytes) -> [UInt8] {
        message.withUnsafeBytes { m in blake2b(UnsafeBuffer(m), key: key) }
    }
}

/// Lends an existing raw buffer as `ContiguousBytes` without copying.
struct UnsafeBuffer: ContiguousBytes {
    let buffer: UnsafeRawBufferPointer
    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(buffer) }
}

/// Random public bytes (salts, nonces, vault ids).
func randomBytes(_ count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
    return out
}
