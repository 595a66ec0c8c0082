// Seconds since the Unix epoch, UTC, with ISO 8601 formatting (no Foundation).
#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public let secondsSinceEpoch: UInt64

    /// A timestamp from seconds since the Unix epoch.
    ///
    /// - Parameter secondsSinceEpoch: seconds since 1970-01-01T00:00:00Z.
    public init(secondsSinceEpoch: UInt64) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// The current time from the system clock.
    public static func now() -> Timestamp {
        Timestamp(secondsSinceEpoch: UInt64(max(0, Syscalls.secondsSinceEpoch)))
    }

    /// ISO 8601 in UTC, e.g. `2026-11-25T03:04:05Z`.
    public var iso8601: String {
        var t = time_t(clamping: secondsSinceEpoch)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "@\(secondsSinceEpoch)" }
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            return "\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
        }
        // Built from bytes (`list` prints one per entry): YYYY-MM-DDTHH:MM:SSZ, as the interpolation above gives for
        // four-digit years.
        var out: [UInt8] = []
        out.reserveCapacity(20)
        func digits(_ v: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 { out.append(UInt8(0x30 + (v / divisor) % 10)); divisor /= 10 }
        }
        if year >= 1000 { digits(year, 4) } else { digits(year, String(year).count) }
        out.append(0x2D); digits(Int(parts.tm_mon) + 1, 2)
        out.append(0x2D); digits(Int(parts.tm_mday), 2)
        out.append(0x54); digits(Int(parts.tm_hour), 2)
        out.append(0x3A); digits(Int(parts.tm_min), 2)
        out.append(0x3A); digits(Int(parts.tm_sec), 2)
        out.append(0x5A)
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { iso8601 }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }
}
