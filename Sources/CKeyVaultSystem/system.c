// The few system calls Swift cannot reach directly (variadic, or behind _GNU_SOURCE).
#define _GNU_SOURCE
#include "CKeyVaultSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int kv_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Set once kv_keep_freed_memory has tuned the heap (the command line's process, whose heap this file may shape);
// kv_expect_large_allocations acts once.
static int heap_is_tuned;
static int heap_advised;

int kv_keep_freed_memory(void) {
    // Allocations up to 32 MiB come from the heap, and up to 256 MiB freed at its top stays there for reuse.
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 256 << 20) != 1) return -1;
    __atomic_store_n(&heap_is_tuned, 1, __ATOMIC_RELAXED);
    return 0;
}

int kv_expect_large_allocations(size_t bytes) {
    if (!__atomic_load_n(&heap_is_tuned, __ATOMIC_RELAXED) || __atomic_exchange_n(&heap_advised, 1, __ATOMIC_RELAXED)) return -1;
    // Untouched growth still counts against an address-space or data limit, and against strict overcommit: a later
    // allocation could then fail. Not there.
    struct rlimit as, data;
    if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur != RLIM_INFINITY) return -1;
    if (getrlimit(RLIMIT_DATA, &data) != 0 || data.rlim_cur != RLIM_INFINITY) return -1;
    int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char mode = 0;
        ssize_t n = read(fd, &mode, 1);
        close(fd);
        if (n == 1 && mode == '2') return -1;
    }
    // A top pad set for this process (MALLOC_TOP_PAD_, glibc.malloc.top_pad) is left as it is, not reset below.
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (getenv("MALLOC_TOP_PAD_") != NULL || (tunables != NULL && strstr(tunables, "top_pad") != NULL)) return -1;
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (bytes > ((size_t)64 << 20)) bytes = (size_t)64 << 20;
    char *before = sbrk(0);
    if (before == (char *)-1) return -1;
    // A request larger than all the heap's free memory together (and below the mmap threshold) is met by no free
    // chunk: malloc grows the heap, by the request and M_TOP_PAD, with pages that nothing has touched yet. Freed at
    // once, the grown top stays (trim threshold) for the allocations to come.
    struct mallinfo2 info = mallinfo2();
    size_t request = info.fordblks + 4096;
    if (request >= ((size_t)32 << 20) || mallopt(M_TOP_PAD, (int)bytes) != 1) return -1;
    void *p = malloc(request);
    // (Without this the compiler may drop a malloc whose block is only freed, and the heap would not grow.)
    __asm__ volatile("" : : "r"(p) : "memory");
    mallopt(M_TOP_PAD, 128 * 1024);  // glibc's default
    char *after = sbrk(0);
    if (p == NULL) return -1;
    free(p);
    if (after == (char *)-1 || after <= before) return -1;
    uintptr_t start = ((uintptr_t)before + huge - 1) & ~(huge - 1), end = (uintptr_t)after & ~(huge - 1);
    if (end <= start) return -1;
    return madvise((void *)start, end - start, MADV_HUGEPAGE);
}

int kv_rename_noreplace(const char *oldpath, const char *newpath) {
    return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, RENAME_NOREPLACE);
}

// While a prompt has echo off: the terminal and its settings before, so that a signal that ends the process
// (Ctrl-C, Ctrl-\, a kill, a hang-up) does not leave the shell without echo (dash does not repair it).
static volatile sig_atomic_t echo_fd = -1;
static struct termios echo_saved;
static const int echo_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction echo_previous[sizeof echo_signals / sizeof echo_signals[0]];
static int echo_handled[sizeof echo_signals / sizeof echo_signals[0]];

static void echo_restore_and_reraise(int sig) {
    int saved_errno = errno;
    int fd = echo_fd;
    if (fd >= 0) {
        // From a background process group, tcsetattr would stop the process (SIGTTOU) inside this handler.
        signal(SIGTTOU, SIG_IGN);
        tcsetattr(fd, TCSANOW, &echo_saved);
        ssize_t ignored = write(fd, "\n", 1);  // the prompt's line, left open
        (void)ignored;
    }
    // Ends the process as the signal would have: blocked while this handler runs, it is delivered on return.
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved_errno;
}

// While a restored key is out and its audit record is not yet written: a signal that would end the process (Ctrl-C,
// a kill, a hang-up) is held until the record is written, then acts as it would have. The previous actions are put
// back by kv_resume_termination.
static volatile sig_atomic_t deferred_signal = 0;
static const int deferred_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction deferred_previous[sizeof deferred_signals / sizeof deferred_signals[0]];
static int deferring = 0;

static void note_deferred(int sig) {
    if (!deferred_signal) deferred_signal = sig;
}

void kv_defer_termination(void) {
    if (deferring) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_deferred;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof deferred_signals / sizeof deferred_signals[0]; i++) {
        sigaction(deferred_signals[i], &sa, &deferred_previous[i]);
    }
    deferring = 1;
}

int kv_resume_termination(void) {
    if (!deferring) return 0;
    for (size_t i = 0; i < sizeof deferred_signals / sizeof deferred_signals[0]; i++) {
        sigaction(deferred_signals[i], &deferred_previous[i], NULL);
    }
    deferring = 0;
    int sig = deferred_signal;
    deferred_signal = 0;
    // Acts now as it would have then: the previous action is back (the default, which ends the process).
    if (sig) raise(sig);
    return sig;
}

// Ctrl-Z at a prompt: the terminal gets its echo back while the process is stopped (the shell's own settings are
// left as a shell without line editing, dash, finds them), and echo goes off again when it is continued.
static struct sigaction tstp_previous;
static int tstp_handled;

static void echo_restore_and_stop(int sig) {
    (void)sig;
    int saved_errno = errno;
    int fd = echo_fd;
    struct termios off;
    int have = fd >= 0 && tcgetattr(fd, &off) == 0;
    if (have) tcsetattr(fd, TCSANOW, &echo_saved);
    // Stops as SIGTSTP's default action would: raised at that action and unblocked, it is delivered here.
    struct sigaction dfl, mine;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &mine);
    raise(SIGTSTP);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &set, &old);
    // Continued (fg, bg or SIGCONT): the handler back, and echo off again for the rest of the prompt. From a
    // background process group, tcsetattr stops the process (SIGTTOU) until it is in the foreground again.
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGTSTP, &mine, NULL);
    if (have && echo_fd == fd) tcsetattr(fd, TCSANOW, &off);
    errno = saved_errno;
}

int kv_set_terminal_echo(int fd, int on) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    int was = (t.c_lflag & ECHO) ? 1 : 0;
    if (!on && was && echo_fd < 0) {
        // Only signals at their default action (one ignored, or handled by someone else, is left as it is).
        echo_saved = t;
        echo_fd = fd;
        struct sigaction handler;
        memset(&handler, 0, sizeof handler);
        handler.sa_handler = echo_restore_and_reraise;
        sigemptyset(&handler.sa_mask);
        for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++) {
            echo_handled[i] = 0;
            if (sigaction(echo_signals[i], NULL, &echo_previous[i]) == 0 && echo_previous[i].sa_handler == SIG_DFL
                && !(echo_previous[i].sa_flags & SA_SIGINFO)) {
                echo_handled[i] = sigaction(echo_signals[i], &handler, NULL) == 0;
            }
        }
        // The read at the prompt goes on after a stop (SA_RESTART).
        struct sigaction stop;
        memset(&stop, 0, sizeof stop);
        stop.sa_handler = echo_restore_and_stop;
        stop.sa_flags = SA_RESTART;
        sigemptyset(&stop.sa_mask);
        tstp_handled = 0;
        if (sigaction(SIGTSTP, NULL, &tstp_previous) == 0 && tstp_previous.sa_handler == SIG_DFL && !(tstp_previous.sa_flags & SA_SIGINFO)) {
            tstp_handled = sigaction(SIGTSTP, &stop, NULL) == 0;
        }
    }
    if (on) t.c_lflag |= ECHO; else t.c_lflag &= ~(tcflag_t)ECHO;
    int rc = tcsetattr(fd, TCSADRAIN, &t);  // keeps what was typed ahead
    // Turned on again, or not turned off after all (the caller then does not turn it on): the handlers go.
    if ((on || rc != 0) && echo_fd == fd) {
        echo_fd = -1;
        for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++) {
            if (echo_handled[i]) sigaction(echo_signals[i], &echo_previous[i], NULL);
            echo_handled[i] = 0;
        }
        if (tstp_handled) sigaction(SIGTSTP, &tstp_previous, NULL);
        tstp_handled = 0;
    }
    if (rc != 0) return -1;
    return was;
}

int kv_try_lock_exclusive(int fd) {
    return flock(fd, LOCK_EX | LOCK_NB);
}

int kv_try_lock_shared(int fd) {
    return flock(fd, LOCK_SH | LOCK_NB);
}

int kv_unlock(int fd) {
    return flock(fd, LOCK_UN);
}

int kv_make_temporary(char *path_template) {
    return mkostemp(path_template, O_CLOEXEC);
}

int kv_reset_fatal_signal_handlers(void) {
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGQUIT, SIGSYS };
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    int rc = 0;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        if (sigaction(fatal[i], &dfl, NULL) != 0) rc = -1;
    }
    return rc;
}

int kv_open_unnamed(const char *directory) {
    return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

int kv_link_unnamed(int fd, const char *path) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

int kv_fd_is_open(int fd) {
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int kv_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

long long kv_memlock_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_MEMLOCK, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return -1;
    return (long long)r.rlim_cur;
}

int kv_copy_access_acl(int from, int to) {
    char buffer[65536];
    ssize_t n = fgetxattr(from, "system.posix_acl_access", buffer, sizeof buffer);
    if (n < 0) return (errno == ENODATA || errno == ENOTSUP) ? 0 : -1;
    return fsetxattr(to, "system.posix_acl_access", buffer, (size_t)n, 0) == 0 ? 1 : -1;
}
int kv_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

long long kv_seek_data(int fd, long long offset) {
    return (long long)lseek(fd, (off_t)offset, SEEK_DATA);
}

long long kv_seek_hole(int fd, long long offset) {
    return (long long)lseek(fd, (off_t)offset, SEEK_HOLE);
}

long long kv_file_system_type(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    return (long long)info.f_type;
}
