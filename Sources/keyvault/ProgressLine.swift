// Progress of long operations (a KDF, verifying or re-keying a large vault) as one updating line on standard error,
// when standard error is a terminal; nothing otherwise, so scripts and --json output never see it.
import KeyVault
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Draws ``ProgressReport``s on the terminal: `keyvault: checking entries: 12,250 of 100,000 (12%)`, redrawn in place
/// at most ten times a second, and erased when the operation ends or before any other message is written.
final class ProgressLine: @unchecked Sendable {
    // The command line reports from its one thread: no lock is needed.
    static let shared = ProgressLine()

    private var visible = false
    private var lastDrawn: ContinuousClock.Instant?

    /// The reporter to bind while a command runs: nil when standard error is not a terminal.
    static var reporter: (@Sendable (ProgressReport) -> Void)? {
        guard Syscalls.isTerminal(STDERR_FILENO) else { return nil }
        return { shared.show($0) }
    }

    func show(_ report: ProgressReport) {
        if report.isFinished { return clear() }
        let now = ContinuousClock.now
        // The first report of a task and the last of a loop are drawn; the ones between, ten times a second.
        if visible, report.total.map({ report.completed < $0 }) ?? true, let lastDrawn, now - lastDrawn < .milliseconds(100) { return }
        lastDrawn = now
        visible = true
        write("\r\u{1B}[K" + Self.text(report))
    }

    /// Erases the line, if one is shown.
    func clear() {
        guard visible else { return }
        visible = false
        write("\r\u{1B}[K")
    }

    /// The line for `report`.
    static func text(_ report: ProgressReport) -> String {
        guard let total = report.total, total > 0 else { return "keyvault: \(report.task)…" }
        let percent = report.completed * 100 / total
        return "keyvault: \(report.task): \(grouped(report.completed)) of \(grouped(total)) (\(percent)%)"
    }

    private static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    private func write(_ text: String) {
        Array(text.utf8).withUnsafeBytes { try? Syscalls.writeFully(STDERR_FILENO, $0) }
    }
}
