// A value shared between threads behind a pthread mutex.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A value behind a `pthread_mutex_t`. Used instead of `Synchronization.Mutex` for process-wide tables that concurrent
/// callers write: ThreadSanitizer sees pthread locking (it intercepts it) but not `Mutex`'s futex, and reports every
/// two writes to a `Mutex`-guarded global from different threads as a race (seen on `KnownKeys` in CI).
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, the lock held.
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
