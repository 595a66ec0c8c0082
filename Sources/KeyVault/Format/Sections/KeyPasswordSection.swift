// Extension section 4: escrowed SecureStorageBackup export passwords, one sealed per entry (docs/FORMAT.md,
// "Extension area").

/// An escrowed SecureStorageBackup export password, sealed for one entry.
struct KeyPasswordRecord: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...5
    let role: Role
    let host: HostName
    let version: UInt32
    let nonce: [UInt8]
    let sealed: [UInt8]
}

extension ExtensionArea {
    static func parsePasswords(_ r: inout ByteReader, entries: Set<String>) throws -> [KeyPasswordRecord] {
        var out: [KeyPasswordRecord] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "escrowed password", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: KeyPasswordRecord.fieldTags, what: "escrowed password", number: n + 1, position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "password")
            let nonce = try f.required(4, "nonce"), sealed = try f.required(5, "sealed password")
            guard nonce.count == AEAD.nonceCount else { throw f.bad("nonce must be 24 bytes") }
            guard (AEAD.tagCount + 1...AEAD.tagCount + FormatV1.maxKeyPasswordBytes).contains(sealed.count) else {
                throw f.bad("sealed password must be 17-\(AEAD.tagCount + FormatV1.maxKeyPasswordBytes) bytes")
            }
            out.append(KeyPasswordRecord(role: role, host: host, version: version, nonce: Array(nonce), sealed: Array(sealed)))
        }
        return out
    }

    /// The section's bytes.
    static func encode(_ items: [KeyPasswordRecord]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            items.map { p in
                var f = TLVWriter()
                f.entryReference(p.role, p.host, p.version)
                f.field(4, p.nonce)
                f.field(5, p.sealed)
                return f.bytes
            }, into: &b)
        return b.bytes
    }

    /// The escrowed password record of an entry, if any.
    func password(of entry: Entry) -> KeyPasswordRecord? {
        passwords.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

    /// The password records by ``entryKey(_:_:_:)``: for looking up many entries (one scan instead of one per entry).
    func passwordsByEntry() -> [String: KeyPasswordRecord] {
        Dictionary(passwords.map { (Self.entryKey($0.role, $0.host, $0.version), $0) }, uniquingKeysWith: { a, _ in a })
    }

}
