// The few system calls Swift cannot reach directly (variadic, or behind _GNU_SOURCE).
#ifndef CKEYVAULT_SYSTEM_H
#define CKEYVAULT_SYSTEM_H

/// Makes the process non-dumpable and sets its core-file limit to zero. Returns 0, or -1 with errno set.
int kv_disable_core_dumps(void);

/// rename(2) that fails with EEXIST instead of replacing `newpath` (renameat2 RENAME_NOREPLACE).
/// Returns 0, or -1 with errno set (EINVAL/ENOSYS where the file system does not support it).
int kv_rename_noreplace(const char *oldpath, const char *newpath);

/// Sets `fd`'s terminal echo on or off; returns the previous echo state (1/0), or -1 with errno set.
int kv_set_terminal_echo(int fd, int on);

/// flock(fd, LOCK_EX | LOCK_NB). Returns 0, or -1 with errno set (EWOULDBLOCK when held elsewhere).
int kv_try_lock_exclusive(int fd);

/// mkostemp(template, O_CLOEXEC): creates a unique file, mode 0600. Returns the descriptor, or -1 with errno set.
int kv_make_temporary(char *path_template);

#endif
