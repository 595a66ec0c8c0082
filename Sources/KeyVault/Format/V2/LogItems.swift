// The audit log's items in a replayed state, held as one buffer: a replay adds one or two per commit, and a log holds
// up to 65,536 of them, so an array per item would cost an allocation per record on every open.

/// Audit log items (`item_len u16 ‖ fields`, each whole), one after another, with where each starts.
struct LogItems: Equatable, Sendable, ExpressibleByArrayLiteral {
    /// The items, concatenated.
    private(set) var bytes: [UInt8] = []
    /// Where each item starts in ``bytes``.
    private var starts: [Int] = []

    init() {}

    /// Items given one by one (each `item_len u16 ‖ fields`): for tests and small states.
    init(_ items: [[UInt8]]) {
        for item in items { append(item) }
    }

    init(arrayLiteral items: [UInt8]...) { self.init(items) }

    var count: Int { starts.count }
    var isEmpty: Bool { starts.isEmpty }

    /// Item `i`, its length included.
    subscript(i: Int) -> ArraySlice<UInt8> { bytes[starts[i]..<(i + 1 < starts.count ? starts[i + 1] : bytes.count)] }

    /// Every item, each copied out (for tests and reports).
    var items: [[UInt8]] { (0..<count).map { Array(self[$0]) } }

    /// Appends one item as it is.
    mutating func append(_ item: [UInt8]) {
        starts.append(bytes.count)
        bytes += item
    }

    /// Appends the items of `item_count u32 ‖ (item_len u16 ‖ fields) × item_count`; throws *damaged* when the list
    /// does not hold exactly that, or more than `max` items (checked before anything is allocated).
    mutating func append(list: ArraySlice<UInt8>, max: Int) throws {
        var r = ByteReader(list)
        let count = Int(try r.u32("item count"))
        guard count <= r.remaining / 2, count <= max else {
            throw KeyVaultError.damaged("vault damaged: an item count of \(count) that the bytes cannot hold or that exceeds \(max)")
        }
        // Every length checked before anything is added (an error leaves the items as they were), then each start
        // taken in a second pass: no array of ends per call (this runs once per commit on every open).
        var check = r
        for _ in 0..<count { try check.skip(Int(try check.u16("item length")), "item") }
        try check.expectEnd("an item list")
        let first = list.startIndex + 4
        // (No reserveCapacity here: called once per commit, an exact reservation would copy every start each time.)
        var position = first
        for _ in 0..<count {
            starts.append(bytes.count + position - first)
            position += 2 + (Int(list[position]) << 8 | Int(list[position + 1]))
        }
        bytes.append(contentsOf: list[first...])
    }

    /// Makes room for `count` more bytes of items at once, so that appending a replay's records one commit at a time
    /// does not copy the buffer each time it doubles (0.8 M instructions at 2,001 commits).
    mutating func reserve(bytes count: Int) {
        bytes.reserveCapacity(bytes.count + count)
    }

    /// Drops the first `k` items.
    mutating func removeFirst(_ k: Int) {
        guard k > 0 else { return }
        let cut = k < starts.count ? starts[k] : bytes.count
        bytes.removeFirst(cut)
        starts = starts.dropFirst(k).map { $0 - cut }
    }

    /// `item_count u32 ‖ items` for the last `k` items (all of them by default): a section's or a change's list.
    func list(last k: Int? = nil) -> [UInt8] {
        let k = k ?? count
        let from = k == 0 ? bytes.count : starts[count - k]
        var w = ByteWriter(capacity: 4 + bytes.count - from)
        w.u32(UInt32(k))
        w.append(bytes[from...])
        return w.take()
    }

    static func == (l: LogItems, r: LogItems) -> Bool {
        l.starts == r.starts && LogicalState.sameBytes(l.bytes, r.bytes[...])
    }
}
