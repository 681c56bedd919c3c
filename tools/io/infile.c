#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *s_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

FILE *sm_infile_open(const char *path, sm_error_t *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. It is cleared
     * again once the file is known to be regular. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        sm_fail(err, SM_EIO, "%s: is %s; only regular files are read", path,
                s_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

char *sm_infile_read(const char *path, size_t max, size_t *len, sm_error_t *err)
{
    FILE *f = sm_infile_open(path, err);
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            sm_fail(err, SM_ENOMEM, "%s: out of memory reading the file", path);
            return NULL;
        }
        if (cap - n < 2) {
            char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb)
                free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            free(buf);
            fclose(f);
            sm_fail(err, SM_ERANGE, "%s: larger than the limit of %zu bytes", path, max);
            return NULL;
        }
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        sm_fail(err, SM_EIO, "%s: read error", path);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}
