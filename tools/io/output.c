#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PREFIX ".spikemesh.tmp."

int sm_mkdirs(const char *dir, sm_error_t *err)
{
    char buf[SM_OUT_PATH];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return sm_fail(err, SM_EINVAL, "output directory '%s': bad path", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) && errno != EEXIST)
            return sm_fail(err, SM_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return sm_fail(err, SM_EIO, "%s: not a directory", dir);
    return 0;
}

/* This host's name as it goes into a private directory's name: letters,
 * digits and '-' only, so that the name parses back. */
static void s_host(char *buf, size_t cap)
{
    char h[256];
    if (gethostname(h, sizeof h))
        h[0] = '\0';
    h[sizeof h - 1] = '\0';
    size_t n = 0;
    for (const char *c = h; *c && n + 1 < cap && n < 32; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-')
            buf[n++] = *c;
    if (n == 0)
        buf[n++] = 'h';
    buf[n] = '\0';
}

/* The pid in NAME = S_PREFIX host "." pid "." XXXXXX if the host is ours,
 * else 0. */
static long s_stale_pid(const char *name, const char *host)
{
    size_t lp = strlen(S_PREFIX), lh = strlen(host);
    if (strncmp(name, S_PREFIX, lp) || strncmp(name + lp, host, lh) || name[lp + lh] != '.')
        return 0;
    char *end;
    long pid = strtol(name + lp + lh + 1, &end, 10);
    return pid > 0 && *end == '.' ? pid : 0;
}

/* Empties and removes one private directory, without following links: it
 * holds only the flat temporaries this file made. */
static void s_remove_private(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    DIR *d = fstat(fd, &st) == 0 && st.st_uid == geteuid() ? fdopendir(fd) : NULL;
    if (!d) {
        close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(fd, e->d_name, 0);
    closedir(d);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

void sm_out_clean_stale(const char *dir)
{
    char host[40];
    s_host(host, sizeof host);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    int lfd = dup(dfd);
    DIR *d = lfd < 0 ? NULL : fdopendir(lfd);
    if (!d) {
        if (lfd >= 0)
            close(lfd);
        close(dfd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        long pid = s_stale_pid(e->d_name, host);
        /* Only a process that is gone: a live one (or a pid reused since)
         * keeps its directory. */
        if (pid && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
            s_remove_private(dfd, e->d_name);
    }
    closedir(d);
    close(dfd);
}

/* Makes dir/.spikemesh.tmp.<host>.<pid>.XXXXXX into out. */
static int s_make_private(const char *dir, char *out, size_t cap, sm_error_t *err)
{
    char host[40];
    s_host(host, sizeof host);
    sm_out_clean_stale(dir);
    int n = snprintf(out, cap, "%s/" S_PREFIX "%s.%ld.XXXXXX", dir, host, (long)getpid());
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return sm_fail(err, SM_EINVAL, "%s: path too long", dir);
    }
    if (!mkdtemp(out)) {
        int e = errno;
        out[0] = '\0';
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", dir, strerror(e));
    }
    return 0;
}

int sm_outdir_open(sm_outdir_t *d, const char *dir, sm_error_t *err)
{
    memset(d, 0, sizeof *d);
    if (strlen(dir) >= sizeof d->dir)
        return sm_fail(err, SM_EINVAL, "%s: path too long", dir);
    strcpy(d->dir, dir);
    return s_make_private(dir, d->priv, sizeof d->priv, err);
}

void sm_outdir_close(sm_outdir_t *d)
{
    if (!d->priv[0])
        return;
    const char *slash = strrchr(d->priv, '/');
    int dfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        s_remove_private(dfd, slash ? slash + 1 : d->priv);
        close(dfd);
    }
    d->priv[0] = '\0';
}

/* Creates the temporary: new, never through a link. */
static int s_create(sm_out_t *o, sm_error_t *err)
{
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0 && !(o->f = fdopen(fd, "w")))
        close(fd);
    if (!o->f) {
        int e = errno;
        unlink(o->tmp);
        if (o->own[0])
            rmdir(o->own);
        o->own[0] = '\0';
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", o->path, strerror(e));
    }
    return 0;
}

int sm_out_open_in(sm_out_t *o, const sm_outdir_t *d, const char *name, sm_error_t *err)
{
    memset(o, 0, sizeof *o);
    int n = snprintf(o->path, sizeof o->path, "%s/%s", d->dir, name);
    if (n < 0 || (size_t)n >= sizeof o->path || strchr(name, '/'))
        return sm_fail(err, SM_EINVAL, "%s/%s: bad path", d->dir, name);
    if (!d->priv[0])
        return sm_fail(err, SM_EIO, "%s: no private directory", o->path);
    snprintf(o->tmp, sizeof o->tmp, "%s/%s", d->priv, name);
    return s_create(o, err);
}

int sm_out_open(sm_out_t *o, const char *path, sm_error_t *err)
{
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path)
        return sm_fail(err, SM_EINVAL, "%s: path too long", path);
    strcpy(o->path, path);
    char dir[SM_OUT_PATH];
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    if (!*name)
        return sm_fail(err, SM_EINVAL, "%s: not a file name", path);
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (s_make_private(dir, o->own, sizeof o->own, err)) {
        sm_error_prefix(err, "%s: ", path);
        return -1;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s/%s", o->own, name);
    return s_create(o, err);
}

/* The temporary and, if this file made one, its private directory. */
static void s_discard(sm_out_t *o)
{
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = '\0';
    if (o->own[0])
        rmdir(o->own);
    o->own[0] = '\0';
}

int sm_out_commit(sm_out_t *o, sm_error_t *err)
{
    if (!o->f)
        return sm_fail(err, SM_EIO, "%s: not open", o->path);
    if (sm_out_finish(o, err))
        return -1;
    return sm_out_rename(o, err);
}

/* The rename keeps a user's files whole whatever happens to the process;
 * surviving a power cut as well costs an fsync per file and directory
 * (milliseconds each), so it is asked for: SPIKEMESH_DURABLE=1. */
static bool s_durable(void)
{
    const char *v = getenv("SPIKEMESH_DURABLE");
    return v && v[0] && strcmp(v, "0") != 0;
}

int sm_out_finish(sm_out_t *o, sm_error_t *err)
{
    if (!o->f)
        return sm_fail(err, SM_EIO, "%s: not open", o->path);
    int e = 0;
    if (ferror(o->f) || fflush(o->f) || (s_durable() && fsync(fileno(o->f))))
        e = errno ? errno : EIO;
    if (fclose(o->f) && !e)
        e = errno;
    o->f = NULL;
    if (e) {
        s_discard(o);
        return sm_fail(err, SM_EIO, "%s: write failed: %s", o->path, strerror(e));
    }
    return 0;
}

int sm_out_rename(sm_out_t *o, sm_error_t *err)
{
    if (!o->tmp[0])
        return sm_fail(err, SM_EIO, "%s: nothing to rename", o->path);
    if (rename(o->tmp, o->path)) {
        int e = errno;
        s_discard(o);
        return sm_fail(err, SM_EIO, "%s: cannot replace: %s", o->path, strerror(e));
    }
    o->tmp[0] = '\0';
    s_discard(o);
    /* With SPIKEMESH_DURABLE, make the rename itself durable. */
    char dir[SM_OUT_PATH];
    snprintf(dir, sizeof dir, "%s", o->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = s_durable() ? open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}

void sm_out_abort(sm_out_t *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    s_discard(o);
}

int sm_write_file(const char *path, const char *text, sm_error_t *err)
{
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    fputs(text, o.f);
    return sm_out_commit(&o, err);
}
