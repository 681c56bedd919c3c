/* sockdir: the directory of a run's own that holds its ipc sockets (the
 * coordinator's control socket, local workers' data sockets). Internal to
 * router/. */
#ifndef SM_SOCKDIR_H
#define SM_SOCKDIR_H

#include <stddef.h>

#include "sm_error.h"

/* Makes spikemesh-<pid>-XXXXXX under $TMPDIR (if 50 bytes or less: the
 * workers' socket addresses inside must fit in 108) or /tmp, into dir (n
 * bytes). First removes the directories there of runs proven dead
 * (sm_sockdir_sweep): a coordinator killed by SIGKILL could not remove its
 * own. Returns 0, or -1 with dir "". */
int sm_sockdir_make(char *dir, size_t n, sm_error_t *err);
/* Removes dir and the sockets in it, and empties dir; "" is a no-op. */
void sm_sockdir_remove(char *dir);
/* Removes, under base, every spikemesh-<pid>-XXXXXX directory of this user
 * whose coordinator is proven dead: no process has that pid, and its control
 * socket, if there, refuses a connection (so a coordinator in another pid
 * namespace sharing the directory is left alone). Returns how many it
 * removed. */
int sm_sockdir_sweep(const char *base);

#endif
