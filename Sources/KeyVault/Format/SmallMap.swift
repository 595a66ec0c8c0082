// Values by a key from 0 to 255 (a section's type, a slot's index), in a table indexed by the key: no hashing.

/// A map from a key in 0...255 (a section's type, a slot's index) to a value, held in a table indexed by the key.
///
/// Used instead of `Dictionary` on the path every command takes: a dictionary's first use makes the Swift runtime
/// look its key's `Hashable` conformance up among every protocol conformance in the binary (about 4,000 in the
/// command-line tool; 245,000 instructions, 3.5 % of a whole `seal`, for each key type). Every operation on a key is
/// constant time, as a dictionary's is (a replay applies one per change a file holds); listing the pairs walks the
/// table, at most 256 places.
struct SmallMap<Value> {
    /// The value of key `k` at index `k`: as long as the largest key set so far, at most 256.
    private var table: [Value?] = []
    private(set) var count = 0

    init() {}

    /// The pairs, keys ascending.
    var pairs: [(key: Int, value: Value)] {
        table.indices.compactMap { key in table[key].map { (key, $0) } }
    }

    /// The keys, ascending.
    var keys: [Int] { table.indices.filter { table[$0] != nil } }

    var isEmpty: Bool { count == 0 }

    /// The value for `key` (0...255); setting nil removes it.
    subscript(key: Int) -> Value? {
        get { key >= 0 && key < table.count ? table[key] : nil }
        set {
            precondition(key >= 0 && key <= 255, "a key of a small map is 0...255")
            if key >= table.count {
                guard newValue != nil else { return }
                table.append(contentsOf: repeatElement(nil, count: key + 1 - table.count))
            }
            count += (newValue == nil ? 0 : 1) - (table[key] == nil ? 0 : 1)
            table[key] = newValue
        }
    }

    /// The value for a byte key (a section's type).
    subscript(key: UInt8) -> Value? {
        get { self[Int(key)] }
        set { self[Int(key)] = newValue }
    }

    mutating func removeValue(forKey key: UInt8) { self[Int(key)] = nil }

    mutating func removeAll() {
        table.removeAll()
        count = 0
    }
}

extension SmallMap: Sendable where Value: Sendable {}

extension SmallMap: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral elements: (Int, Value)...) {
        for (key, value) in elements { self[key] = value }
    }
}

extension SmallMap: Equatable where Value: Equatable {
    static func == (l: SmallMap, r: SmallMap) -> Bool {
        l.count == r.count && zip(l.pairs, r.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
