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
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(secondsSinceEpoch: UInt64(max(0, ts.tv_sec)))
    }

    /// ISO 8601 in UTC, e.g. `2026-11-25T03:04:05Z`.
    public var iso8601: String {
        var t = time_t(clamping: secondsSinceEpoch)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "@\(secondsSinceEpoch)" }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    public var description: String { iso8601 }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }
}
