#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sm_mkdirs(const char *dir, sm_error_t *err)
{
    char buf[4096];
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

int sm_out_open(sm_out_t *o, const char *path, sm_error_t *err)
{
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path)
        return sm_fail(err, SM_EINVAL, "%s: path too long", path);
    strcpy(o->path, path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", o->tmp, strerror(errno));
    return 0;
}

int sm_out_commit(sm_out_t *o, sm_error_t *err)
{
    if (!o->f)
        return sm_fail(err, SM_EIO, "%s: not open", o->path);
    if (sm_out_finish(o, err))
        return -1;
    return sm_out_rename(o, err);
}

int sm_out_finish(sm_out_t *o, sm_error_t *err)
{
    if (!o->f)
        return sm_fail(err, SM_EIO, "%s: not open", o->path);
    int e = 0;
    if (ferror(o->f) || fflush(o->f) || fsync(fileno(o->f)))
        e = errno ? errno : EIO;
    if (fclose(o->f) && !e)
        e = errno;
    o->f = NULL;
    if (e) {
        unlink(o->tmp);
        return sm_fail(err, SM_EIO, "%s: write failed: %s", o->path, strerror(e));
    }
    return 0;
}

int sm_out_rename(sm_out_t *o, sm_error_t *err)
{
    if (rename(o->tmp, o->path)) {
        int e = errno;
        unlink(o->tmp);
        return sm_fail(err, SM_EIO, "%s: cannot replace: %s", o->path, strerror(e));
    }
    /* Make the rename itself durable. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY);
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
    if (o->tmp[0])
        unlink(o->tmp);
}

int sm_write_file(const char *path, const char *text, sm_error_t *err)
{
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    fputs(text, o.f);
    return sm_out_commit(&o, err);
}
