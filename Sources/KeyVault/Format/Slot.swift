// A slot as stored: its kind byte and body. Each kind's bytes are in its own file; Custodians/ says what they mean.

/// A slot kind's stored form: parsed from its body and written back byte for byte.
protocol StoredSlot: Sendable {
    /// The kind byte (docs/FORMAT.md, "Slots").
    static var kind: UInt8 { get }
    /// Parses a body of this kind; `position` (the body's offset in the file) is for messages.
    static func parse(_ body: ArraySlice<UInt8>, at position: Int, context: SlotContext) throws -> Self
    /// The body's bytes.
    var body: [UInt8] { get }
}

extension StoredSlot {
    /// kind and body, as stored.
    var record: SlotRecord { SlotRecord(kind: Self.kind, body: body) }
}

/// The slot kinds (``Slot/kinds``) and parsing a stored slot of any of them.
enum Slot {}
