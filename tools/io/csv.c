#include "csv.h"
#include "infile.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sm_file_read(const char *path, size_t *len, sm_error_t *err)
{
    return sm_infile_read(path, SIZE_MAX, len, err);
}

/* Trims blanks in place and returns the start of the field. */
static char *s_trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

/* Strict number: what strtod accepts minus hex, inf and nan, which a
 * connection file never means. */
static bool s_number(const char *s, double *out)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (!strchr("0123456789+-.eE", *c))
            return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || end == s || !isfinite(v))
        return false;
    *out = v;
    return true;
}

int sm_csv_read(const char *path, const char *shown, const sm_csv_handler_t *h,
                sm_error_t *err)
{
    if (!shown)
        shown = path;
    size_t len;
    char *buf = sm_file_read(path, &len, err);
    if (!buf)
        return -1;

    int rc = -1;
    size_t cap = 16, ncols = 0;
    char **fields = malloc(cap * sizeof *fields);
    double *vals = malloc(cap * sizeof *vals);
    if (!fields || !vals) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", shown);
        goto out;
    }

    /* A NUL would silently end the parse early: binary files are refused. */
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        unsigned long line = 1;
        for (const char *c = buf; c < nul; c++)
            line += *c == '\n';
        sm_fail(err, SM_EPARSE, "%s:%lu: NUL byte: not a text file", shown, line);
        goto out;
    }
    char *p = buf;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    bool seen_content = false;
    for (unsigned long line = 1; *p; line++) {
        char *eol = strchr(p, '\n');
        char *next = eol ? eol + 1 : p + strlen(p);
        char *end = eol ? eol : next;
        if (end > p && end[-1] == '\r')
            end--;
        char *s = p;
        p = next;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s == end || *s == '#')
            continue;

        size_t n = 0;
        for (char *f = s;;) {
            char *comma = memchr(f, ',', (size_t)(end - f));
            char *fe = comma ? comma : end;
            if (n == cap) {
                size_t nc = cap * 2;
                char **nf = realloc(fields, nc * sizeof *fields);
                if (nf)
                    fields = nf;
                double *nv = nf ? realloc(vals, nc * sizeof *vals) : NULL;
                if (!nv) {
                    sm_fail(err, SM_ENOMEM, "%s:%lu: out of memory", shown, line);
                    goto out;
                }
                vals = nv;
                cap = nc;
            }
            fields[n++] = s_trim(f, fe);
            if (!comma)
                break;
            f = comma + 1;
        }

        size_t numeric = 0;
        for (size_t i = 0; i < n; i++)
            if (s_number(fields[i], &vals[i]))
                numeric++;

        if (!seen_content && numeric == 0) {
            seen_content = true;
            ncols = n;
            if (!h->header) {
                sm_fail(err, SM_EPARSE, "%s:%lu: expected numbers, got \"%s\"",
                        shown, line, fields[0]);
                goto out;
            }
            sm_error_clear(err);
            if (h->header(h->ctx, (const char *const *)fields, n, err) < 0) {
                sm_error_prefix(err, "%s:%lu: ", shown, line);
                goto out;
            }
            continue;
        }
        if (!seen_content) {
            seen_content = true;
            ncols = n;
        }
        if (n != ncols) {
            sm_fail(err, SM_EPARSE, "%s:%lu: expected %zu fields, got %zu",
                    shown, line, ncols, n);
            goto out;
        }
        if (numeric != n) {
            for (size_t i = 0; i < n; i++) {
                double v;
                if (!s_number(fields[i], &v)) {
                    sm_fail(err, SM_EPARSE, "%s:%lu: field %zu is not a number, got \"%s\"",
                            shown, line, i + 1, fields[i]);
                    goto out;
                }
            }
        }
        sm_error_clear(err);
        if (h->row(h->ctx, vals, n, err) < 0) {
            sm_error_prefix(err, "%s:%lu: ", shown, line);
            goto out;
        }
    }
    rc = 0;
out:
    free(fields);
    free(vals);
    free(buf);
    return rc;
}
