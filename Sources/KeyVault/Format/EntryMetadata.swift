// An entry's metadata as tag-length-value fields (docs/FORMAT.md, "Entry metadata").

/// The metadata fields of an index record, encoded as `tag u8 ‖ length u16 ‖ value`, tags strictly ascending.
/// Tags below 0x80 that this version does not know make the entry unreadable; tags from 0x80 up are carried
/// along unread (and stay authenticated).
enum EntryMetadata {
    enum Tag: UInt8 {
        case role = 0x01, host = 0x02, version = 0x03, createdAt = 0x04, size = 0x05, fingerprint = 0x06
        case label = 0x07, fileName = 0x08
    }

    /// The fields of a new entry, encoded.
    static func encode(
        role: Role, host: HostName, version: UInt32, createdAt: Timestamp, size: UInt32,
        fingerprint: [UInt8], label: String, fileName: String
    ) -> [UInt8] {
        var w = TLVWriter(capacity: 128)
        func field(_ tag: Tag, _ value: [UInt8]) { w.field(tag.rawValue, value) }
        func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8((v >> UInt64($0 * 8)) & 0xFF) } }
        field(.role, Array(role.rawValue.utf8))
        field(.host, Array(host.value.utf8))
        field(.version, be(UInt64(version), 4))
        field(.createdAt, be(createdAt.secondsSinceEpoch, 8))
        field(.size, be(UInt64(size), 4))
        field(.fingerprint, fingerprint)
        if !label.isEmpty { field(.label, Array(label.utf8)) }
        if !fileName.isEmpty { field(.fileName, Array(fileName.utf8)) }
        return w.bytes
    }

    /// Where a checked record's fields are. The required fields (tags 01-06) always come first, in tag order, so
    /// their positions follow from the role and host lengths; a reader can look at them without building an ``Entry``.
    struct Layout: Sendable {
        let roleCount: Int
        let hostCount: Int
        let size: UInt32
    }

    /// Parses and checks every field strictly; `index` and `position` are for messages.
    static func decode(_ meta: ArraySlice<UInt8>, index: Int, position: Int) throws -> Entry {
        _ = try check(meta, index: index, position: position)
        return entry(checked: meta, index: index)
    }

    /// Checks every field strictly, as ``decode(_:index:position:)`` does, without building strings: a vault's
    /// index is checked whole on every open, and only the entries a command needs are built.
    static func check(_ meta: ArraySlice<UInt8>, index: Int, position: Int) throws -> Layout {
        var required: UInt8 = 0
        var roleCount = 0, hostCount = 0, size: UInt32 = 0
        func what() -> String { "entry \(index + 1)" }
        func damaged(_ problem: String, at position: Int) -> KeyVaultError {
            .damaged("vault damaged: \(what()) metadata at byte \(position): \(problem)")
        }
        func uint(_ value: ArraySlice<UInt8>) -> UInt64 { value.reduce(0) { $0 << 8 | UInt64($1) } }
        var fields = TLVReader(
            meta, base: position,
            name: { part in
                switch part {
                case .tag: return "\(what()) metadata tag"
                case .length: return "\(what()) metadata length"
                case .value(let tag): return "\(what()) metadata field \(tag)"
                }
            },
            outOfOrder: { tag, at in damaged("field \(tag) out of order or repeated", at: at) })
        while let (tag, value) = try fields.next() {
            let length = value.count
            func bad(_ problem: String) -> KeyVaultError { damaged(problem, at: fields.position) }
            switch Tag(rawValue: tag) {
            case .role:
                guard Role.isStoredForm(value) else { throw bad("role is not 1-16 characters of a-z 0-9") }
                roleCount = length
            case .host:
                guard isStoredHost(value) else { throw bad("host name is not a valid computer name") }
                hostCount = length
            case .version:
                guard length == 4, uint(value) >= 1 else { throw bad("version must be 4 bytes and at least 1") }
            case .createdAt:
                guard length == 8 else { throw bad("created-at must be 8 bytes") }
            case .size:
                guard length == 4, (1...UInt64(FormatV1.maxKeySize)).contains(uint(value)) else {
                    throw bad("size must be 4 bytes, 1 to \(FormatV1.maxKeySize)")
                }
                size = UInt32(uint(value))
            case .fingerprint:
                guard length == 32 else { throw bad("fingerprint must be 32 bytes") }
            case .label:
                guard (1...FormatV1.maxLabelBytes).contains(length), isLabel(value) else { throw bad("label must be 1-\(FormatV1.maxLabelBytes) bytes of UTF-8 text without control characters") }
            case .fileName:
                guard (1...FormatV1.maxFileNameBytes).contains(length), isFileName(value) else {
                    throw bad("file name must be 1-\(FormatV1.maxFileNameBytes) bytes of UTF-8 without '/' or control characters")
                }
            case nil:
                guard tag >= 0x80 else {
                    throw KeyVaultError(.unsupportedVersion, "vault uses metadata field \(tag) in \(what()), which this keyvault does not know; upgrade keyvault")
                }
            }
            if tag <= Tag.fingerprint.rawValue { required |= 1 << tag }
        }
        guard required == 0b0111_1110 else {
            throw damaged("a required field (role, host, version, created-at, size, fingerprint) is missing", at: fields.position)
        }
        return Layout(roleCount: roleCount, hostCount: hostCount, size: size)
    }

    /// The entry a record holds, from metadata that ``check(_:index:position:)`` accepted.
    static func entry(checked meta: ArraySlice<UInt8>, index: Int) -> Entry {
        var role = Role.sm, host = HostName(validated: ""), version: UInt32 = 0, created: UInt64 = 0, size: UInt32 = 0
        var fingerprint: [UInt8] = [], label = "", fileName = ""
        for (tag, range) in CheckedTLV(meta) {
            let value = meta[range]
            let number = value.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            switch Tag(rawValue: tag) {
            case .role: role = Role(checked: value)
            case .host: host = HostName(validated: String(decoding: value, as: UTF8.self))
            case .version: version = UInt32(truncatingIfNeeded: number)
            case .createdAt: created = number
            case .size: size = UInt32(truncatingIfNeeded: number)
            case .fingerprint: fingerprint = Array(value)
            // Checked as UTF-8, so decoding repairs nothing.
            case .label: label = String(decoding: value, as: UTF8.self)
            case .fileName: fileName = String(decoding: value, as: UTF8.self)
            case nil: break
            }
        }
        return Entry(
            role: role, host: host, version: version, createdAt: Timestamp(secondsSinceEpoch: created),
            size: size, fingerprint: Fingerprint(checked: fingerprint), label: label, originalFileName: fileName, index: index)
    }

    /// UTF-8 text as ``check(_:index:position:)`` reads it: ASCII needs no validation beyond the check itself.
    private static func text(_ value: ArraySlice<UInt8>) -> String? {
        value.allSatisfy { $0 < 0x80 } ? String(decoding: value, as: UTF8.self) : String(validating: value, as: UTF8.self)
    }

    private static func isPrintableASCII(_ value: ArraySlice<UInt8>) -> Bool {
        value.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// A stored host: a valid computer name without a trailing dot. Plain DNS names are accepted from their bytes;
    /// anything else takes the full check.
    private static func isStoredHost(_ value: ArraySlice<UInt8>) -> Bool {
        if value.last != 0x2E && HostName.isPlainDNSName(value) { return true }
        guard let text = text(value) else { return false }
        return HostName.problem(in: text) == nil && !text.hasSuffix(".")
    }

    private static func isLabel(_ value: ArraySlice<UInt8>) -> Bool {
        if isPrintableASCII(value) { return true }
        guard let text = text(value) else { return false }
        return Entry.labelProblem(text) == nil
    }

    private static func isFileName(_ value: ArraySlice<UInt8>) -> Bool {
        if isPrintableASCII(value) { return !value.contains(0x2F) }
        guard let text = text(value) else { return false }
        return Entry.fileNameProblem(text) == nil
    }
}

extension Entry {
    /// Why `text` cannot be a label, or nil.
    static func labelProblem(_ text: String) -> String? {
        if text.utf8.count > FormatV1.maxLabelBytes { return "it is \(text.utf8.count) bytes; the limit is \(FormatV1.maxLabelBytes)" }
        if isPrintableASCII(text) { return nil }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "it contains a control character" }
        return nil
    }

    /// Whether every byte is ASCII from space to `~`: no control character, so the Unicode check can be skipped.
    private static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// Why `text` cannot be a recorded file name, or nil.
    static func fileNameProblem(_ text: String) -> String? {
        if text.utf8.count > FormatV1.maxFileNameBytes { return "it is \(text.utf8.count) bytes; the limit is \(FormatV1.maxFileNameBytes)" }
        // Plain ASCII needs no grapheme or Unicode-category work; anything else takes the full checks.
        if isPrintableASCII(text) { return text.utf8.contains(0x2F) ? "it contains '/'" : nil }
        if text.contains("/") { return "it contains '/'" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "it contains a control character" }
        return nil
    }
}
