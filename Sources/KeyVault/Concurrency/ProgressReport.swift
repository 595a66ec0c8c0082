// How far a long operation has come (a KDF, verifying or re-keying a large vault), for a front end to show.

/// One step of a long operation: what it is doing, and how far it has come.
///
/// The library reports to ``ProgressReport/reporter``, a task-local value: a front end binds it around the calls it
/// makes (`ProgressReport.$reporter.withValue(show) { … }`) and every operation inside reports without a parameter of
/// its own. Nothing is reported when it is nil (the default), and reporting never changes what an operation does.
///
/// Operations report when they may take a second or more: deriving a key from a passphrase (Argon2id), and going over
/// the entries of a vault of 1,000 entries or more (verify, drill, re-key and the rewrites of custodian changes).
public struct ProgressReport: Sendable, Equatable {
    /// What the operation is doing, in a few lowercase words ("verifying entries").
    public let task: String
    /// How many of ``total`` are done.
    public let completed: Int
    /// How many there are in all; nil when the operation cannot tell (a KDF).
    public let total: Int?
    /// The operation has finished (successfully or not): a front end clears its display.
    public let isFinished: Bool

    /// Where reports go while an operation runs; nil (the default): nowhere.
    @TaskLocal public static var reporter: (@Sendable (ProgressReport) -> Void)?

    /// Where reports go in this whole process when ``reporter`` is not bound: for a front end that runs one operation
    /// per process (a command line), set once at start. Nil (the default): nowhere.
    ///
    /// The `keyvault` command uses this rather than binding the task-local around its synchronous `main`: with Swift
    /// 6.3.1, `TaskLocal.withValue` called from a synchronous `main` outside any task crashes in an optimised build
    /// (`swift_task_localValuePush`).
    public static var processReporter: (@Sendable (ProgressReport) -> Void)? {
        get { processWide.withLock { $0 } }
        set { processWide.withLock { $0 = newValue } }
    }
    private static let processWide = Locked<(@Sendable (ProgressReport) -> Void)?>(nil)

    /// The task-local reporter, else the process-wide one.
    static var current: (@Sendable (ProgressReport) -> Void)? { reporter ?? processReporter }

    /// Entry loops report only from this many entries up, every ``step`` entries.
    static let minimumEntries = 1_000
    static let step = 250

    static func report(_ task: String, completed: Int, of total: Int?, finished: Bool = false) {
        current?(ProgressReport(task: task, completed: completed, total: total, isFinished: finished))
    }

    /// Runs `body` (a KDF, say) between a report that it started and one that it finished.
    static func around<T>(_ task: String, _ body: () throws -> T) rethrows -> T {
        guard let reporter = current else { return try body() }
        reporter(ProgressReport(task: task, completed: 0, total: nil, isFinished: false))
        defer { reporter(ProgressReport(task: task, completed: 0, total: nil, isFinished: true)) }
        return try body()
    }
}

/// Counts the items of a loop over a vault's entries and reports every ``ProgressReport/step`` of them, when there
/// are at least ``ProgressReport/minimumEntries``.
struct EntryProgress {
    let task: String
    let total: Int
    private var completed = 0
    private let reporting: Bool

    init(_ task: String, total: Int) {
        self.task = task
        self.total = total
        reporting = ProgressReport.current != nil && total >= ProgressReport.minimumEntries
        if reporting { ProgressReport.report(task, completed: 0, of: total) }
    }

    /// One more entry done.
    mutating func advance() {
        completed += 1
        if reporting && completed % ProgressReport.step == 0 { ProgressReport.report(task, completed: completed, of: total) }
    }

    /// The loop is over.
    func finish() {
        if reporting { ProgressReport.report(task, completed: completed, of: total, finished: true) }
    }
}
