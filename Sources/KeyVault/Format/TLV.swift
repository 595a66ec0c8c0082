// Tag-length-value runs, `tag u8 ‖ length u16 ‖ value` with tags strictly ascending: entry metadata and the items of
// extension sections (docs/FORMAT.md, "Entry metadata" and "Items"). The one reader and the one writer of them.

/// Reads a run of fields strictly: each tag above the one before, each value within the run.
///
/// What a run means (which tags are known, what each value must be) is its owner's; this reads the framing and words
/// the errors with the owner's names for the parts, so a message says where in the file, in which structure.
struct TLVReader {
    /// A part of a field, for messages.
    enum Part {
        case tag, length
        case value(UInt8)
    }

    private var reader: ByteReader
    private var last = -1
    private let name: (Part) -> String
    private let outOfOrder: (_ tag: UInt8, _ position: Int) -> KeyVaultError

    /// - Parameters:
    ///   - bytes: the run.
    ///   - base: the run's offset in the file, for messages.
    ///   - name: how messages name each part of a field ("entry 3 metadata tag").
    ///   - outOfOrder: the error for a tag not above the one before, given the position just after it.
    init(
        _ bytes: ArraySlice<UInt8>, base: Int, name: @escaping (Part) -> String,
        outOfOrder: @escaping (_ tag: UInt8, _ position: Int) -> KeyVaultError
    ) {
        reader = ByteReader(bytes, base: base)
        self.name = name
        self.outOfOrder = outOfOrder
    }

    /// The position in the file of the next byte to read.
    var position: Int { reader.position }

    /// The next field, or nil at the end of the run.
    mutating func next() throws -> (tag: UInt8, value: ArraySlice<UInt8>)? {
        guard !reader.isAtEnd else { return nil }
        let tag = try reader.u8(name(.tag))
        guard Int(tag) > last else { throw outOfOrder(tag, reader.position) }
        last = Int(tag)
        let length = Int(try reader.u16(name(.length)))
        return (tag, try reader.bytes(length, name(.value(tag))))
    }
}

/// The fields of a run that a ``TLVReader`` has accepted already, walked without checks (a vault's entries are built
/// from their checked metadata this way).
struct CheckedTLV: Sequence, IteratorProtocol {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// The next field's tag and the range of its value in the run's indices.
    mutating func next() -> (tag: UInt8, value: Range<Int>)? {
        guard index + 3 <= bytes.endIndex else { return nil }
        let tag = bytes[index], length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
        let value = (index + 3)..<(index + 3 + length)
        index = value.upperBound
        return (tag, value)
    }
}

/// Writes a run of fields; callers write them in ascending tag order, which the reader requires.
struct TLVWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// `tag ‖ length u16 ‖ value`.
    mutating func field(_ tag: UInt8, _ value: some Collection<UInt8>) {
        bytes.append(tag)
        bytes.append(UInt8(value.count >> 8))
        bytes.append(UInt8(value.count & 0xFF))
        bytes.append(contentsOf: value)
    }

    /// A UTF-8 text field, left out when the text is nil or empty.
    mutating func text(_ tag: UInt8, _ value: String?) {
        if let value, !value.isEmpty { field(tag, Array(value.utf8)) }
    }

    /// An unsigned big-endian field of `n` bytes, left out when nil.
    mutating func uint(_ tag: UInt8, _ value: UInt64?, bytes n: Int) {
        guard let value else { return }
        field(tag, (0..<n).reversed().map { UInt8((value >> UInt64($0 * 8)) & 0xFF) })
    }

    /// Fields 1-3 naming an entry: role, host, version.
    mutating func entryReference(_ role: Role, _ host: HostName, _ version: UInt32) {
        text(1, role.rawValue)
        text(2, host.value)
        uint(3, UInt64(version), bytes: 4)
    }
}
