// Work done on a thread of its own while the caller goes on: a large commit's check hashed while the reader replays.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A computation started on another thread, whose value ``wait()`` takes once it is done.
///
/// A plain thread, not a Swift task: the command-line tool runs no concurrency runtime of its own, and a reader that
/// opens a vault must not depend on a cooperative pool having a free thread. When no thread can be made, the work is
/// done in the initializer, on the caller's thread. One owner waits; the thread is joined at the latest on release.
final class BackgroundTask<Value: Sendable> {
    /// Written by the thread before it ends, read by the owner after joining it (the join orders the two).
    private final class Box: @unchecked Sendable {
        var value: Value?
    }

    private let box = Box()
    private var thread: pthread_t?

    /// Starts `work` on a new thread (or runs it now, when none can be made).
    init(_ work: @escaping @Sendable () -> Value) {
        let box = self.box
        thread = Syscalls.startThread { box.value = work() }
        if thread == nil { box.value = work() }
    }

    /// A task that is already done, with `value`.
    init(done value: Value) {
        box.value = value
    }

    /// The value, once the thread has ended.
    func wait() -> Value {
        if let thread {
            Syscalls.joinThread(thread)
            self.thread = nil
        }
        return box.value!
    }

    deinit {
        if let thread { Syscalls.joinThread(thread) }
    }
}
