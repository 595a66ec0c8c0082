// Zeros appended to a byte array a slice at a time from one shared buffer.

extension Array where Element == UInt8 {
    /// Appends `count` zeros, a slice at a time from one shared buffer: `append(contentsOf: repeatElement(0, count:))`
    /// is a byte-by-byte loop without optimisation, which made a test's megabyte chunks take minutes under the
    /// sanitizers. The array still grows geometrically.
    mutating func appendZeros(_ count: Int) {
        precondition(count >= 0, "a count of zeros to append")
        var left = count
        while left > 0 {
            let n = Swift.min(left, zeroBytes.count)
            zeroBytes.withUnsafeBufferPointer { append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<n])) }
            left -= n
        }
    }
}

private let zeroBytes = [UInt8](repeating: 0, count: 1 << 16)
