// The few system calls Swift cannot reach directly (variadic, or behind _GNU_SOURCE).
#ifndef CKEYVAULT_SYSTEM_H
#define CKEYVAULT_SYSTEM_H

#include <stddef.h>

/// Makes the process non-dumpable and sets its core-file limit to zero. Returns 0, or -1 with errno set.
int kv_disable_core_dumps(void);

/// Keeps memory the process frees for its own reuse (glibc's mallopt: no mmap below 32 MiB, no trim below 256 MiB)
/// instead of returning it to the system, where each fresh mapping is paid again in page faults. Returns 0, or -1.
int kv_keep_freed_memory(void);

/// Once per process, and only after kv_keep_freed_memory: grows the heap's top by `bytes` (at most 64 MiB) without
/// touching it and advises the kernel to back that range with transparent huge pages (madvise MADV_HUGEPAGE; the
/// kernel's default "madvise" mode uses them only where asked), so that megabytes of metadata laid out there cost a
/// page fault per 2 MiB instead of per 4 KiB. Does nothing under a finite RLIMIT_AS or RLIMIT_DATA, strict overcommit
/// (vm.overcommit_memory 2), or a top pad set through the environment. Returns the madvise result, or -1 when nothing
/// was done.
int kv_expect_large_allocations(size_t bytes);

/// rename(2) that fails with EEXIST instead of replacing `newpath` (renameat2 RENAME_NOREPLACE).
/// Returns 0, or -1 with errno set (EINVAL/ENOSYS where the file system does not support it).
int kv_rename_noreplace(const char *oldpath, const char *newpath);

/// Sets `fd`'s terminal echo on or off; returns the previous echo state (1/0), or -1 with errno set. While echo is
/// off, SIGINT, SIGTERM, SIGHUP and SIGQUIT (those at their default action) first put the terminal back as it was,
/// then end the process as they would have; turning echo on again puts their actions back.
int kv_set_terminal_echo(int fd, int on);

/// flock(fd, LOCK_EX | LOCK_NB). Returns 0, or -1 with errno set (EWOULDBLOCK when held elsewhere).
int kv_try_lock_exclusive(int fd);
// Holds SIGINT, SIGTERM and SIGHUP (noted, not acted on) until kv_resume_termination, which puts the previous actions
// back and raises the first one held; returns it (0 when none came).
void kv_defer_termination(void);
int kv_resume_termination(void);
/// flock(fd, LOCK_SH | LOCK_NB) and flock(fd, LOCK_UN): a reader's shared hold on a vault's lock.
int kv_try_lock_shared(int fd);
int kv_unlock(int fd);

/// mkostemp(template, O_CLOEXEC): creates a unique file, mode 0600. Returns the descriptor, or -1 with errno set.
int kv_make_temporary(char *path_template);

/// Sets SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGQUIT and SIGSYS back to their default action, so no
/// crash handler (the Swift runtime's backtracer prints registers and the memory they point to) runs in this process.
/// Returns 0, or -1 with errno set.
int kv_reset_fatal_signal_handlers(void);

/// open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600): an unnamed file in `directory`. Returns the descriptor,
/// or -1 with errno set (EOPNOTSUPP, EISDIR or EINVAL where the file system or kernel lacks O_TMPFILE).
int kv_open_unnamed(const char *directory);

/// Gives the unnamed file `fd` the name `path` (linkat through /proc/self/fd); fails with EEXIST if `path` exists.
/// Returns 0, or -1 with errno set.
int kv_link_unnamed(int fd, const char *path);

/// 1 if `fd` is an open descriptor, 0 if not (EBADF).
int kv_fd_is_open(int fd);

/// Turns O_NONBLOCK on `fd` on or off. Returns 0, or -1 with errno set.
int kv_set_nonblocking(int fd, int on);

/// Copies the POSIX access ACL (xattr system.posix_acl_access) of `from` to `to`. Returns 1 when one was copied,
/// 0 when `from` has none, -1 with errno set when it could not be read or set.
int kv_copy_access_acl(int from, int to);

/// The soft RLIMIT_MEMLOCK in bytes, or -1 when unlimited or unknown.
long long kv_memlock_limit(void);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are closed in programs this process starts. Returns 0, or -1 with errno.
int kv_pipe_cloexec(int fds[2]);

/// lseek(fd, offset, SEEK_DATA) and lseek(fd, offset, SEEK_HOLE): the first byte of data, or of a hole, at or after
/// `offset` (a hole is never-written space, which reads as zeros; the end of the file counts as a hole). Returns the offset, or -1 with errno set (ENXIO: no data at or after `offset`).
long long kv_seek_data(int fd, long long offset);
long long kv_seek_hole(int fd, long long offset);

/// fstatfs(fd).f_type: the magic number of `fd`'s file system (0xEF53 for ext2/3/4), or -1 with errno set.
long long kv_file_system_type(int fd);

#endif
