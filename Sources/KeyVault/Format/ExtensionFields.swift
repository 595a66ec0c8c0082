// The building blocks of extension sections: lists of items, each a run of tag-length-value fields (docs/FORMAT.md, "Items").

/// The fields of one item: `tag u8 ‖ len u16 ‖ value`, tags strictly ascending, every tag known to the section.
struct ItemFields {
    /// The fields in file order (tags ascending, each once): a handful per item, searched without hashing.
    private var fields: [(tag: UInt8, value: ArraySlice<UInt8>)] = []
    /// What the item is ("audit log record") and its number in its list, for messages.
    private let kind: String
    private let number: Int?
    let position: Int

    /// The item as messages name it: "audit log record 3".
    var what: String { number.map { "\(kind) \($0)" } ?? kind }

    /// Parses `bytes`; `known` is the range of tags the section defines (anything else: *unsupported*, as for
    /// metadata); `what` and `number` name the item in messages ("audit log record", 3).
    init(_ bytes: ArraySlice<UInt8>, known: ClosedRange<UInt8>, what: String, number: Int? = nil, position: Int) throws {
        kind = what
        self.number = number
        self.position = position
        // One pass over the fields without building messages (an audit log of 65,536 records is read on every open);
        // anything wrong is read again by the checking reader, for its exact message.
        fields.reserveCapacity(known.count)
        var i = bytes.startIndex, last = -1
        while i < bytes.endIndex {
            guard bytes.endIndex - i >= 3 else { break }
            let tag = bytes[i], length = Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            guard Int(tag) > last, known.contains(tag), bytes.endIndex - (i + 3) >= length else { break }
            last = Int(tag)
            fields.append((tag, bytes[(i + 3)..<(i + 3 + length)]))
            i += 3 + length
        }
        guard i < bytes.endIndex else { return }
        try Self.fail(bytes, known: known, what: self.what, position: position)
    }

    /// Reads `bytes` with every check and its message; throws at the first problem.
    private static func fail(_ bytes: ArraySlice<UInt8>, known: ClosedRange<UInt8>, what: String, position: Int) throws {
        var reader = TLVReader(
            bytes, base: position,
            name: { part in
                switch part {
                case .tag: return "\(what) field tag"
                case .length: return "\(what) field length"
                case .value(let tag): return "\(what) field \(tag)"
                }
            },
            outOfOrder: { tag, _ in KeyVaultError.damaged("vault damaged: \(what) at byte \(position): field \(tag) out of order or repeated") })
        while let (tag, _) = try reader.next() {
            guard known.contains(tag) else {
                throw KeyVaultError(.unsupportedVersion, "vault uses field \(tag) in \(what), which this keyvault does not know; upgrade keyvault")
            }
        }
        preconditionFailure("an item the fast reader refused was accepted by the checking reader")
    }

    private func value(_ tag: UInt8) -> ArraySlice<UInt8>? {
        for field in fields where field.tag == tag { return field.value }
        return nil
    }

    func bad(_ problem: String) -> KeyVaultError { .damaged("vault damaged: \(what) at byte \(position): \(problem)") }

    func optional(_ tag: UInt8) -> ArraySlice<UInt8>? { value(tag) }

    func required(_ tag: UInt8, _ name: String) throws -> ArraySlice<UInt8> {
        guard let v = value(tag) else { throw bad("the required field \(name) is missing") }
        return v
    }

    func uint(_ tag: UInt8, _ name: String, bytes n: Int, required: Bool) throws -> UInt64? {
        guard let v = value(tag) else {
            if required { throw bad("the required field \(name) is missing") }
            return nil
        }
        guard v.count == n else { throw bad("\(name) must be \(n) bytes") }
        return v.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// UTF-8 text of 1...max bytes without control characters.
    func text(_ tag: UInt8, _ name: String, max: Int, required: Bool) throws -> String? {
        guard let v = value(tag) else {
            if required { throw bad("the required field \(name) is missing") }
            return nil
        }
        guard let text = ExtensionText.decode(v, max: max) else {
            throw bad("\(name) must be 1-\(max) bytes of UTF-8 text without control characters")
        }
        return text
    }

    /// Checks what ``text(_:_:max:required:)`` checks without making a string.
    func checkText(_ tag: UInt8, _ name: String, max: Int, required: Bool) throws {
        guard let v = value(tag) else {
            if required { throw bad("the required field \(name) is missing") }
            return
        }
        guard ExtensionText.isValid(v, max: max) else {
            throw bad("\(name) must be 1-\(max) bytes of UTF-8 text without control characters")
        }
    }

    /// Checks what ``host(_:_:required:)`` checks, without making a string for a plain DNS name.
    func checkHost(_ tag: UInt8, _ name: String, required: Bool) throws {
        if let v = value(tag), v.count <= 253, v.last != 0x2E, HostName.isPlainDNSName(v) { return }
        _ = try host(tag, name, required: required)
    }

    func host(_ tag: UInt8, _ name: String, required: Bool) throws -> HostName? {
        guard let text = try self.text(tag, name, max: 253, required: required) else { return nil }
        guard HostName.problem(in: text) == nil, !text.hasSuffix(".") else { throw bad("\(name) is not a valid computer name") }
        return HostName(validated: text)
    }

    func role(_ tag: UInt8, required: Bool) throws -> Role? {
        guard let v = value(tag) else {
            if required { throw bad("the required field role is missing") }
            return nil
        }
        guard let role = Role(stored: v) else { throw bad("role is not 1-16 characters of a-z 0-9") }
        return role
    }
}

/// A list of items: `item_count u32 ‖ (item_len u16 ‖ fields) × item_count`.
enum ItemList {
    /// The items' field bytes, each with its position. `max` caps the count before anything is allocated.
    static func parse(_ r: inout ByteReader, what: String, max: Int) throws -> [(bytes: ArraySlice<UInt8>, position: Int)] {
        let count = try self.count(&r, what: what, max: max)
        var items: [(bytes: ArraySlice<UInt8>, position: Int)] = []
        items.reserveCapacity(count)
        for n in stride(from: 1, through: count, by: 1) { items.append(try item(&r, what: what, number: n)) }
        return items
    }

    /// Reads the list at `r` as ``parse(_:what:max:)`` does, with the same errors, keeping nothing: its item count.
    /// What a reader runs first when its own checks of the items must come after every framing error.
    static func checkFraming(_ r: inout ByteReader, what: String, max: Int) throws -> Int {
        let count = try self.count(&r, what: what, max: max)
        for n in stride(from: 1, through: count, by: 1) { _ = try item(&r, what: what, number: n) }
        return count
    }

    /// The list's item count, refused when above `max` or more than the bytes left can hold (every item takes at
    /// least its 2-byte length): checked before anything is allocated.
    static func count(_ r: inout ByteReader, what: String, max: Int) throws -> Int {
        let count = try r.u32("\(what) count")
        guard count <= UInt32(max), Int(count) <= r.remaining / 2 else {
            throw KeyVaultError.damaged("vault damaged: \(what) count \(count) is more than \(max) or than the section can hold")
        }
        return Int(count)
    }

    /// Item `n` (from 1): its field bytes, within the limit on an item's length, and where they start.
    static func item(_ r: inout ByteReader, what: String, number n: Int) throws -> (bytes: ArraySlice<UInt8>, position: Int) {
        let length = Int(try r.u16("\(what) \(n) length"))
        guard length <= FormatV1.maxItemBytes else {
            throw KeyVaultError.damaged("vault damaged: \(what) \(n) at byte \(r.position) claims \(length) bytes; the limit is \(FormatV1.maxItemBytes)")
        }
        let position = r.position
        return (try r.bytes(length, "\(what) \(n)"), position)
    }

    static func encode(_ items: [[UInt8]], into w: inout ByteWriter) {
        w.u32(UInt32(items.count))
        for item in items {
            w.u16(UInt16(item.count))
            w.append(item)
        }
    }
}

/// Text in extension items: UTF-8 without control characters, of bounded length.
/// Free text a writer may store: readers accept what older versions wrote, writers refuse characters that make text
/// display differently from what it holds.
package enum FreeText {
    /// Whether `scalar` is invisible or reorders text: a format character (bidirectional overrides and isolates,
    /// zero-width characters, the byte-order mark), a line or paragraph separator, a default-ignorable code point
    /// (fillers, variation selectors, the combining grapheme joiner), blank lookalikes (U+2800), or white space other
    /// than the ASCII space.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x80 else { return false }
        let p = scalar.properties
        switch p.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return p.isDefaultIgnorableCodePoint || p.isWhitespace || scalar.value == 0x2800
        }
    }

    /// Why `text` may not be written, or nil: names the first invisible character by its code point.
    static func invisibleProblem(_ text: String) -> String? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return nil }
        guard let bad = text.unicodeScalars.first(where: isInvisible) else { return nil }
        return "it contains an invisible or bidirectional formatting character (U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)))"
    }

    /// `text` with control and invisible characters shown as `\u{…}`, for printing what a vault holds as it is.
    package static func visible(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || isInvisible(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

enum ExtensionText {
    static func decode(_ value: ArraySlice<UInt8>, max: Int) -> String? {
        guard (1...max).contains(value.count) else { return nil }
        // Printable ASCII, nearly every stored text, needs no look at Unicode's categories: an audit log of 65,536
        // records is read on every open.
        if value.allSatisfy({ ($0 &- 0x20) < 0x5F }) { return String(decoding: value, as: UTF8.self) }
        guard let text = String(validating: value, as: UTF8.self), problem(text, max: max) == nil else { return nil }
        return text
    }

    /// Whether ``decode(_:max:)`` would give a string, without making one.
    static func isValid(_ value: ArraySlice<UInt8>, max: Int) -> Bool {
        guard (1...max).contains(value.count) else { return false }
        return value.allSatisfy({ ($0 &- 0x20) < 0x5F }) || decode(value, max: max) != nil
    }

    /// Why `text` cannot be stored in a field of at most `max` bytes, or nil.
    static func problem(_ text: String, max: Int) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.utf8.count > max { return "it is \(text.utf8.count) bytes; the limit is \(max)" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "it contains a control character" }
        return nil
    }
}
