/* CURVE keys for a cluster, and the build identity checked at handshakes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "codec.h"
#include "dist.h"
#include "model.h"

const char *sm_build_id(void)
{
    static char id[96];
    if (!id[0])
        snprintf(id, sizeof id, "spikemesh %s/model %zu/wire %u", SM_VERSION, sizeof(sm_model_t),
                 SM_WIRE_VERSION);
    return id;
}

int sm_keygen(const char *path, sm_error_t *err)
{
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec))
        return sm_fail(err, SM_EUNSUPPORTED, "this libzmq has no CURVE support: %s",
                       zmq_strerror(zmq_errno()));
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    /* Created private and new: never readable by others, never through a
     * link someone left at that name. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    }
    fprintf(f, "# spikemesh cluster key: give it to the coordinator and every worker\n"
               "public %s\nsecret %s\n", pub, sec);
    if (fclose(f)) {
        int e = errno;
        unlink(tmp);
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    /* link, not rename: it fails when the name is taken, so an existing
     * key (which its cluster still uses) is never replaced. */
    int rc = link(tmp, path);
    int e = errno;
    unlink(tmp);
    if (rc && e == EEXIST)
        return sm_fail(err, SM_EINVAL, "%s: already exists; keygen never replaces a key "
                       "(remove the file first to make a new one)", path);
    if (rc)
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", path, strerror(e));
    return 0;
}

int sm_curve_load(const char *path, char pub[41], char sec[41], sm_error_t *err)
{
    /* A regular file only: a FIFO would block the open, a device never ends. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    FILE *f = S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
    if (!f) {
        close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot read: not a regular file", path);
    }
    char line[256];
    pub[0] = sec[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        char key[16], val[64];
        if (line[0] == '#' || sscanf(line, "%15s %63s", key, val) != 2)
            continue;
        if (strlen(val) != 40) {
            fclose(f);
            return sm_fail(err, SM_EPARSE, "%s: %s: expected a 40-character Z85 key", path, key);
        }
        if (!strcmp(key, "public"))
            memcpy(pub, val, 41);
        else if (!strcmp(key, "secret"))
            memcpy(sec, val, 41);
    }
    fclose(f);
    uint8_t bin[32];
    if (!pub[0] || !sec[0] || !zmq_z85_decode(bin, pub) || !zmq_z85_decode(bin, sec))
        return sm_fail(err, SM_EPARSE, "%s: needs a 'public' and a 'secret' Z85 key (make one with spikemesh keygen)", path);
    return 0;
}
