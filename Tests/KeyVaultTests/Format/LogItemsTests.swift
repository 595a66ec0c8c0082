// The audit log's items held in one buffer: the same items, the same errors and the same lists as an array per item.
import Testing
@testable import KeyVault

@Suite struct LogItemsTests {
    /// `item_count u32 ‖ (item_len u16 ‖ fields) × item_count` of `items` (each given without its length).
    func list(_ items: [[UInt8]]) -> [UInt8] {
        LogicalState.itemList(items.map { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 })
    }

    func described(_ body: () throws -> some Any) -> String {
        do { return "\(try body())" } catch { return "error: \(error)" }
    }

    @Test func itemsAppendedFromListsAreTheItemsOfThoseLists() throws {
        var g = SplitMix64(state: 11)
        for round in 0..<300 {
            var items = LogItems()
            var reference: [[UInt8]] = []
            for _ in 0..<(1 + g.below(4)) {
                let fields = (0..<g.below(6)).map { _ in (0..<g.below(40)).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
                let bytes = list(fields)
                try items.append(list: bytes[...], max: 100)
                reference += try LogicalState.items(bytes[...], max: 100)
            }
            #expect(items.items == reference, "round \(round)")
            #expect(items.count == reference.count)
            #expect(items.list() == LogicalState.itemList(reference))
            let k = g.below(reference.count + 1)
            #expect(items.list(last: k) == LogicalState.itemList(Array(reference.suffix(k))))
            var cut = items
            cut.removeFirst(k)
            #expect(cut.items == Array(reference.dropFirst(k)))
            #expect(cut == LogItems(Array(reference.dropFirst(k))))
            if k > 0 { #expect(cut != items) }
        }
    }

    @Test func aListThatIsNotOneIsRefusedAsBeforeAndAddsNothing() throws {
        let good = list([[1, 2, 3], [4]])
        var cases: [[UInt8]] = [[], [0, 0, 0], Array(good.dropLast()), good + [0], [0, 0, 0, 200] + [UInt8](repeating: 0, count: 10)]
        var tooMany = good
        tooMany[3] = 3
        cases.append(tooMany)
        for (n, bytes) in cases.enumerated() {
            var items: LogItems = [[0, 1, 9]]
            let error = described { try items.append(list: bytes[...], max: 100) }
            #expect(error.hasPrefix("error: "), "case \(n)")
            #expect(error == described { try LogicalState.items(bytes[...], max: 100) }, "case \(n)")
            #expect(items == [[0, 1, 9]], "case \(n): the items changed")
        }
        // More than `max` items: refused before reading them.
        var items = LogItems()
        #expect(described { try items.append(list: list([[1], [2], [3]])[...], max: 2) }.contains("exceeds 2"))
    }
}
