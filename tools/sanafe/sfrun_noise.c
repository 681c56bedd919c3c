/* sfrun_noise: a LIF unit's noise file, read as SANA-FE's LoihiLifModel
 * reads it (models.cpp:589-627): a line at a time, each parsed as
 * std::istringstream >> int parses it (leading blanks, a sign, decimal
 * digits; nothing parsed leaves 0; out of int range gives INT_MAX or
 * INT_MIN), back to the first line after the last. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfrun_int.h"

static int32_t s_parse(const char *line)
{
    errno = 0;
    char *end;
    long long x = strtoll(line, &end, 10);
    if (end == line)
        return 0;
    if (errno == ERANGE || x > INT_MAX)
        return x < 0 ? INT_MIN : INT_MAX;
    if (x < INT_MIN)
        return INT_MIN;
    return (int32_t)x;
}

static FILE *s_open(const sm_sfrun_t *r, const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s", name);
    FILE *f = fopen(path, "rb");
    if (f || name[0] == '/')
        return f;
    const char *arch = r->arch->file ? r->arch->file : "";
    const char *slash = strrchr(arch, '/');
    if (!slash)
        return NULL;
    snprintf(path, cap, "%.*s/%s", (int)(slash - arch), arch, name);
    return fopen(path, "rb");
}

int sfr_noise_load(sm_sfrun_t *r, const sm_sanafe_unit_t *u, uint32_t *out, sm_error_t *err)
{
    char path[4096];
    FILE *f = s_open(r, u->noise, path, sizeof path);
    if (!f)
        return sm_fail(err, SM_EIO, "%s:%u: noise: cannot open '%s' (unit %s)", r->arch->file,
                       u->line, u->noise, u->name);
    sfr_noise_t q = {NULL, 0, 0, ((int64_t)1 << u->noise_bits) - 1};
    uint32_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        if (q.n == cap) {
            uint32_t c2 = cap ? cap * 2 : 256;
            int32_t *p = c2 > (1u << 26) ? NULL : realloc(q.v, (size_t)c2 * sizeof *p);
            if (!p) {
                rc = sm_fail(err, SM_ENOMEM, "%s: noise stream too large", path);
                break;
            }
            q.v = p;
            cap = c2;
        }
        q.v[q.n++] = s_parse(line);
    }
    free(line);
    fclose(f);
    if (!rc && !q.n) /* SANA-FE throws "Couldn't read noise entry from file" */
        rc = sm_fail(err, SM_EINVAL, "%s:%u: noise: '%s' holds no line (unit %s)", r->arch->file,
                     u->line, path, u->name);
    if (rc) {
        free(q.v);
        return -1;
    }
    sfr_noise_t *p = realloc(r->noise, ((size_t)r->n_noise + 1) * sizeof *p);
    if (!p) {
        free(q.v);
        return sm_fail(err, SM_ENOMEM, "out of memory reading %s", path);
    }
    r->noise = p;
    p[r->n_noise] = q;
    *out = r->n_noise++;
    return 0;
}
