import Foundation

/// How much of a long sweep or randomized test runs. The sanitizer steps of scripts/test.sh set
/// `KEYVAULT_TEST_SWEEP_STRIDE` to 5 (odd, so that a sweep over bytes reaches every position within a word): there each
/// allocation or run of the binary costs many times more, and step 1 has already run every case without a sanitizer.
/// Unset, every case runs.
public enum TestScale {
    /// Every `stride`-th offset of a sweep is tried (1: all of them).
    public static let stride = ProcessInfo.processInfo.environment["KEYVAULT_TEST_SWEEP_STRIDE"].flatMap { Int($0) }.map { max(1, $0) } ?? 1

    /// `count` rounds of a randomized test, divided by ``stride`` (at least one).
    public static func rounds(_ count: Int) -> Int { max(1, count / stride) }
}
