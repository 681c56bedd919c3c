#include "helpers.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "netfile.h"

#ifdef SM_LIBFUZZER
void t_die(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
#endif

/* ---- temporary folders ------------------------------------------------ */

const char *t_tmp_base(void)
{
    const char *base = getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

char *t_mkdtemp(char *dir, size_t cap, const char *tag)
{
    int n = snprintf(dir, cap, "%s/sm_%s_XXXXXX", t_tmp_base(), tag);
    t_require(n > 0 && (size_t)n < cap, "temporary folder name too long for %zu bytes", cap);
    t_require(mkdtemp(dir), "cannot create a temporary folder %s", dir);
    return dir;
}

int t_rmtree(const char *dir)
{
    if (!dir || !dir[0] || strchr(dir, '\''))
        return -1;
    return t_sh("rm -rf '%s'", dir);
}

char *t_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    t_require(n > 0 && (size_t)n < cap, "path %s/%s too long for %zu bytes", dir, name, cap);
    return out;
}

unsigned t_count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    t_require(d, "cannot list %s", dir);
    unsigned n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

/* ---- files ------------------------------------------------------------ */

char *t_read_or_null(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *more = realloc(b, cap *= 2);
            if (!more)
                free(b);
            b = more;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

char *t_read(const char *path, size_t *len)
{
    char *b = t_read_or_null(path, len);
    t_require(b, "cannot read %s", path);
    return b;
}

void t_write(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    t_require(f, "cannot write %s", path);
    size_t put = len ? fwrite(buf, 1, len, f) : 0;
    int bad = fclose(f) != 0;
    t_require(put == len && !bad, "cannot write %zu bytes to %s", len, path);
}

char *t_write_in(char *out, size_t cap, const char *dir, const char *name, const char *text)
{
    t_join(out, cap, dir, name);
    t_write(out, text, strlen(text));
    return out;
}

/* ---- networks --------------------------------------------------------- */

sm_net_t *t_load_net(const char *path)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(path, &err);
    t_require(net, "%s", err.msg);
    return net;
}

sm_net_t *t_net_json_try(const char *text, const char *name, const char *dir, sm_error_t *err)
{
    cJSON *doc = cJSON_Parse(text);
    t_require(doc, "test input does not parse: %s", text);
    sm_error_clear(err);
    sm_net_t *net = sm_net_from_json(doc, name, dir, err);
    cJSON_Delete(doc);
    return net;
}

sm_net_t *t_net_json(const char *text, const char *name, const char *dir)
{
    sm_error_t err;
    sm_net_t *net = t_net_json_try(text, name, dir, &err);
    t_require(net, "%s", err.msg);
    return net;
}

/* ---- the binary ------------------------------------------------------- */

static int s_vsh(const char *prefix, const char *fmt, va_list ap)
{
    char cmd[8192];
    size_t p = (size_t)snprintf(cmd, sizeof cmd, "%s", prefix);
    int n = vsnprintf(cmd + p, sizeof cmd - p, fmt, ap);
    t_require(n >= 0 && (size_t)n < sizeof cmd - p, "command line too long");
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int t_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = s_vsh("", fmt, ap);
    va_end(ap);
    return rc;
}

int t_run_bin(const char *args_fmt, ...)
{
    char prefix[4200];
    int n = snprintf(prefix, sizeof prefix, "'%s' ", T_BIN);
    t_require(n > 0 && (size_t)n < sizeof prefix, "binary path too long");
    va_list ap;
    va_start(ap, args_fmt);
    int rc = s_vsh(prefix, args_fmt, ap);
    va_end(ap);
    return rc;
}
