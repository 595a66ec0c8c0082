// The few system calls Swift cannot reach directly (variadic, or behind _GNU_SOURCE).
#define _GNU_SOURCE
#include "CKeyVaultSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>

int kv_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int kv_rename_noreplace(const char *oldpath, const char *newpath) {
    return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, RENAME_NOREPLACE);
}

int kv_set_terminal_echo(int fd, int on) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    int was = (t.c_lflag & ECHO) ? 1 : 0;
    if (on) t.c_lflag |= ECHO; else t.c_lflag &= ~(tcflag_t)ECHO;
    if (tcsetattr(fd, TCSAFLUSH, &t) != 0) return -1;
    return was;
}

int kv_try_lock_exclusive(int fd) {
    return flock(fd, LOCK_EX | LOCK_NB);
}

int kv_make_temporary(char *path_template) {
    return mkostemp(path_template, O_CLOEXEC);
}
