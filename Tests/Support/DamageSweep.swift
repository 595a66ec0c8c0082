/// Where the damage sweeps flip a byte or cut a vault file, shared by the library's in-process sweeps (ByteDamageTests)
/// and the command line's (DamageCLITests), which run the binary once per case and so try a part of these.
///
/// A format-version-1 vault is small and dense: every offset. A version-2 vault is larger and mostly zeros (a chunk's
/// unused room, slot-area padding), so it is sampled where damage matters: near every place where zeros and data meet
/// (heads, tails, links, offsets), every 7th other byte that is not zero (changes and keys, each under a hash or a
/// seal), and every 61st zero; lengths within 16 bytes of such a place, and every 211th elsewhere.
public enum DamageSweep {
    /// The offsets at which a sweep flips a byte of `bytes`, a vault of format version `format`.
    public static func flipOffsets(_ bytes: [UInt8], format: Int) -> [Int] {
        guard format != 1 else { return Array(bytes.indices) }
        let nearEdge = nearEdges(bytes, before: 64, after: 63)
        return bytes.indices.filter { nearEdge[$0] || (bytes[$0] != 0 && $0 % 7 == 0) || $0 % 61 == 0 }
    }

    /// The lengths to which a sweep cuts `bytes`, a vault of format version `format`.
    public static func truncationLengths(_ bytes: [UInt8], format: Int) -> [Int] {
        guard format != 1 else { return Array(0..<bytes.count) }
        let nearEdge = nearEdges(bytes, before: 16, after: 16)
        return (0..<bytes.count).filter { $0 % 211 == 0 || nearEdge[$0] }
    }

    /// Every `stride`-th of `cases`, and every ``TestScale/stride``-th of those in the sanitizer steps.
    public static func every<T>(_ stride: Int, of cases: [T]) -> [T] {
        Swift.stride(from: 0, to: cases.count, by: stride * TestScale.stride).map { cases[$0] }
    }

    /// For each offset of `bytes`, whether it lies from `before` bytes before an edge (``edges(_:)``) to `after` bytes
    /// after it.
    static func nearEdges(_ bytes: [UInt8], before: Int, after: Int) -> [Bool] {
        var near = [Bool](repeating: false, count: bytes.count)
        for e in edges(bytes) { for i in max(0, e - before)...min(bytes.count - 1, e + after) { near[i] = true } }
        return near
    }

    /// The offsets where a byte is zero and the one before it is not, or the other way round.
    static func edges(_ bytes: [UInt8]) -> [Int] {
        (1..<max(1, bytes.count)).filter { bytes[$0] != bytes[$0 - 1] && (bytes[$0] == 0 || bytes[$0 - 1] == 0) }
    }
}
