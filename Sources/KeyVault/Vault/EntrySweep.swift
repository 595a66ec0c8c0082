// Opening every entry in one pass (verify and drill): large sequential reads, and one guarded buffer for every key.
#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

extension UnlockedVault {
    /// Sealed keys are read this many bytes at a time (or one whole key, when a key is larger); tests give less.
    static let sweepReadCount = 4 << 20

    /// Opens every entry and checks its fingerprint, as ``open(_:)`` does one by one, and says why each one that fails
    /// fails (nil: it opened and matched), in index order.
    ///
    /// The sealed keys lie one after another in the file, so they are read in runs of up to ``sweepReadCount`` bytes,
    /// and each key is decrypted into the same guarded buffer, wiped after each key and freed (wiped) at the end: no
    /// allocation, system call or string per entry. An entry that fails here is opened again alone by ``open(_:)``,
    /// whose message is the one reported, so this pass changes how fast a vault is checked, never what is said about it.
    func sweepEntries(readCount: Int = sweepReadCount) -> [String?] {
        let header = vault.header
        let count = header.entryCount
        var problems = [String?](repeating: nil, count: count)
        guard count > 0 else { return problems }
        var progress = EntryProgress("checking entries", total: count)
        defer { progress.finish() }
        let largest = Int(header.locations.lazy.map(\.size).max() ?? 0)
        guard let scratch = try? SecretBytes(zeroedCount: largest) else {
            // No guarded memory for the buffer: each entry on its own (which reports the allocation failure itself).
            for index in 0..<count {
                problems[index] = problem(opening: index)
                progress.advance()
            }
            return problems
        }
        let limit = Swift.max(readCount, largest + AEAD.tagCount)
        let id = header.identity.id
        var ad = [UInt8]()
        ad.reserveCapacity(id.count + 2 + FormatV1.maxMetadataCount)
        var first = 0
        while first < count {
            // A run of sealed keys that follow each other in the file, up to `limit` bytes.
            var end = first + 1
            var runCount = header.locations[first].ciphertextCount
            while end < count, vault.offsets[end] == vault.offsets[end - 1] + header.locations[end - 1].ciphertextCount,
                runCount + header.locations[end].ciphertextCount <= limit
            {
                runCount += header.locations[end].ciphertextCount
                end += 1
            }
            guard let run = try? vault.file.read(count: runCount, at: vault.offsets[first], what: "sealed keys") else {
                // A short or failed read: each entry of the run on its own, for its own message.
                for index in first..<end {
                    problems[index] = problem(opening: index)
                    progress.advance()
                }
                first = end
                continue
            }
            var failed: [Int] = []
            run.withUnsafeBytes { sealed in
                header.bytes.withUnsafeBytes { headerBytes in
                    scratch.withUnsafeMutableBytes { buffer in
                        var at = 0
                        for index in first..<end {
                            let location = header.locations[index]
                            let sealedCount = location.ciphertextCount
                            // vault_id ‖ meta_len ‖ meta: the record's own bytes in the header follow the vault id.
                            ad.removeAll(keepingCapacity: true)
                            ad.append(contentsOf: id)
                            ad.append(contentsOf: headerBytes[Int(location.start)..<location.metadataRange.upperBound])
                            let plain = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(location.size)])
                            let opened = ad.withUnsafeBytes { associated in
                                AEAD.open(
                                    UnsafeRawBufferPointer(rebasing: sealed[at..<(at + sealedCount)]), into: plain, key: entryKey,
                                    nonce: UnsafeRawBufferPointer(rebasing: headerBytes[location.nonceRange]), associatedData: associated)
                            }
                            if !opened || !matchesFingerprint(UnsafeRawBufferPointer(plain), headerBytes.baseAddress! + location.fingerprintRange.lowerBound) {
                                failed.append(index)
                            }
                            scratch.wipe(first: Int(location.size))
                            at += sealedCount
                            progress.advance()
                        }
                    }
                }
            }
            for index in failed { problems[index] = problem(opening: index) }
            first = end
        }
        return problems
    }

    /// Whether `key`'s fingerprint under this vault is the 32 bytes at `recorded`.
    private func matchesFingerprint(_ key: UnsafeRawBufferPointer, _ recorded: UnsafeRawPointer) -> Bool {
        let computed = Hashing.blake2b(UnsafeBuffer(key), key: fingerprintKey)
        return computed.withUnsafeBytes { memcmp($0.baseAddress!, recorded, 32) == 0 }
    }

    /// Why entry `index` does not open on its own, or nil when it does.
    private func problem(opening index: Int) -> String? {
        do {
            _ = try open(vault.header.entry(at: index))
            return nil
        } catch let error as KeyVaultError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}
