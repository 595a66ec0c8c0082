// SecretPool: small secrets share pages of guarded memory, each slot wiped when given back.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import Testing
@testable import KeyVault

struct SecretPoolTests {
    /// The `VmFlags` of the mapping holding `address`, from /proc/self/smaps (`lo`: locked, `dd`: not dumped).
    private func mappingFlags(of address: UInt) throws -> [Substring] {
        let smaps = try Syscalls.readSmallFile("/proc/self/smaps", max: 16 << 20)
        var inside = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
                let low = UInt(line[..<dash], radix: 16), let high = UInt(line[line.index(after: dash)..<space], radix: 16)
            {
                inside = low <= address && address < high
            } else if inside, line.hasPrefix("VmFlags:") {
                return line.dropFirst("VmFlags:".count).split(separator: " ")
            }
        }
        throw KeyVaultError(.internalError, "no mapping holds \(address)")
    }

    @Test func aSmallSecretIsLockedAndKeptOutOfCoreDumps() throws {
        let secret = try SecretBytes(copying: [UInt8](repeating: 0xC3, count: 32))
        let flags = try mappingFlags(of: secret.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) })
        #expect(flags.contains("dd"))
        if MemoryLock.failure == nil { #expect(flags.contains("lo")) }
        #expect(secret.withUnsafeBytes { $0.allSatisfy { $0 == 0xC3 } })
    }

    @Test func aSlotIsWipedWhenGivenBackAndWhenHandedOutAgain() throws {
        // A pool of this test's own, so that no other test takes the slot in between.
        let pool = SecretPool()
        let slot = try #require(pool.allocate())
        let bytes = UnsafeMutableRawBufferPointer(start: slot, count: SecretPool.slotSize)
        #expect(bytes.allSatisfy { $0 == 0 })
        bytes.initializeMemory(as: UInt8.self, repeating: 0x5A)
        pool.release(slot)
        // Regions are never unmapped, so the slot given back can be looked at: all zeros.
        #expect(bytes.allSatisfy { $0 == 0 })
        // Handed out again only after every other slot of the region (oldest given back first), and zero even if
        // something wrote to it since.
        bytes.initializeMemory(as: UInt8.self, repeating: 0x5A)
        var others: Set<UnsafeMutableRawPointer> = []
        for _ in 1..<SecretPool.slotsPerRegion { others.insert(try #require(pool.allocate())) }
        #expect(others.count == SecretPool.slotsPerRegion - 1 && !others.contains(slot))
        #expect(try #require(pool.allocate()) == slot)
        #expect(bytes.allSatisfy { $0 == 0 })
        let flags = try mappingFlags(of: UInt(bitPattern: slot))
        #expect(flags.contains("dd"))
    }

    @Test func secretsOfSeveralRegionsAreDistinctAndKeepTheirBytes() throws {
        // More than two regions' worth, each a different pattern, all alive at once; then 65 bytes, a region of its own.
        let secrets = try (0..<(2 * SecretPool.slotsPerRegion + 7)).map { i in
            try SecretBytes(copying: [UInt8](repeating: UInt8(truncatingIfNeeded: i + 1), count: 1 + i % SecretPool.slotSize))
        }
        let addresses = Set(secrets.map { s in s.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } })
        #expect(addresses.count == secrets.count)
        for (i, s) in secrets.enumerated() {
            #expect(s.count == 1 + i % SecretPool.slotSize)
            #expect(s.withUnsafeBytes { $0.allSatisfy { $0 == UInt8(truncatingIfNeeded: i + 1) } })
        }
        let large = try SecretBytes(copying: [UInt8](repeating: 7, count: SecretPool.slotSize + 1))
        #expect(try mappingFlags(of: large.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }).contains("dd"))
        #expect(large.withUnsafeBytes { $0.allSatisfy { $0 == 7 } })
    }

    @Test func threadsTakeAndGiveBackSlotsWithoutSharingOne() async throws {
        // Under the thread sanitizer (scripts/test.sh's TSan step) a race on the free list is reported.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for round in 0..<200 {
                        let byte = UInt8(truncatingIfNeeded: t * 31 + round)
                        let held = try (0..<5).map { _ in try SecretBytes(copying: [UInt8](repeating: byte, count: 32)) }
                        guard held.allSatisfy({ s in s.withUnsafeBytes { $0.allSatisfy { $0 == byte } } }) else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
