/* sockdir: a run's private ipc socket directory, and the removal of those
 * left by coordinators that were killed. */
#define _GNU_SOURCE
#include "sockdir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define S_PREFIX "spikemesh-"

static const char *s_base(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && tmp[0] && strlen(tmp) <= 50 ? tmp : "/tmp";
}

/* The pid in a name spikemesh-<pid>-XXXXXX (mkdtemp's six characters), or
 * 0 if the name is not one. */
static long s_name_pid(const char *name)
{
    if (strncmp(name, S_PREFIX, strlen(S_PREFIX)))
        return 0;
    const char *p = name + strlen(S_PREFIX);
    char *end;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (end == p || *p < '1' || *p > '9' || errno || pid <= 1 || pid > INT_MAX || *end != '-' ||
        strlen(end + 1) != 6)
        return 0;
    return pid;
}

/* True if a socket at path refuses a connection: nothing listens there. */
static int s_refused(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return 0;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    close(fd);
    return r < 0 && e == ECONNREFUSED;
}

/* True if the run that made dir (pid) is dead beyond doubt. */
static int s_dead(const char *dir, long pid)
{
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0; /* alive, or someone else's (EPERM): not ours to judge */
    char ctl[PATH_MAX];
    struct stat st;
    if (snprintf(ctl, sizeof ctl, "%s/ctl", dir) >= (int)sizeof ctl)
        return 0;
    if (lstat(ctl, &st) != 0)
        return errno == ENOENT;
    return S_ISSOCK(st.st_mode) && s_refused(ctl);
}

static int s_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *ent;
        char path[PATH_MAX];
        while ((ent = readdir(d)))
            if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
                if (snprintf(path, sizeof path, "%s/%s", dir, ent->d_name) < (int)sizeof path)
                    unlink(path);
            }
        closedir(d);
    }
    return rmdir(dir);
}

int sm_sockdir_sweep(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *ent;
    char path[PATH_MAX];
    while ((ent = readdir(d))) {
        long pid = s_name_pid(ent->d_name);
        if (!pid)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", base, ent->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
            continue;
        if (s_dead(path, pid) && s_remove_tree(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

int sm_sockdir_make(char *dir, size_t n, sm_error_t *err)
{
    const char *base = s_base();
    sm_sockdir_sweep(base);
    if (snprintf(dir, n, "%s/" S_PREFIX "%ld-XXXXXX", base, (long)getpid()) >= (int)n ||
        !mkdtemp(dir)) {
        dir[0] = '\0';
        return sm_fail(err, SM_EIO, "cannot make a directory for the workers' sockets in %s",
                       base);
    }
    return 0;
}

void sm_sockdir_remove(char *dir)
{
    if (!dir[0])
        return;
    if (s_remove_tree(dir))
        fprintf(stderr, "spikemesh: coordinator: could not remove %s\n", dir);
    dir[0] = '\0';
}
