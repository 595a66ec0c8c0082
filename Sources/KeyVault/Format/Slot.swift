// A slot of any kind, parsed from its stored record.

/// The kinds of slot a vault may hold. Kinds this version does not know are kept as `.unknown` and skipped.
enum Slot: Sendable {
    case passphrase(PassphraseSlot)
    case x25519(X25519Slot)
    case certificate(CertificateSlot)
    case unknown(SlotRecord)

    static func parse(_ record: SlotRecord, at position: Int, context: SlotContext) throws -> Slot {
        switch record.kind {
        case PassphraseSlot.kind: return .passphrase(try PassphraseSlot.parse(record.body[...], at: position, context: context))
        case X25519Slot.kind: return .x25519(try X25519Slot.parse(record.body[...], at: position, context: context))
        case CertificateSlot.kind: return .certificate(try CertificateSlot.parse(record.body[...], at: position, context: context))
        default: return .unknown(record)
        }
    }

    var record: SlotRecord {
        switch self {
        case .passphrase(let s): return SlotRecord(kind: PassphraseSlot.kind, body: s.body)
        case .x25519(let s): return SlotRecord(kind: X25519Slot.kind, body: s.body)
        case .certificate(let s): return SlotRecord(kind: CertificateSlot.kind, body: s.body)
        case .unknown(let r): return r
        }
    }
}
