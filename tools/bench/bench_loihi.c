/* bench_loihi: the loihi workload as a user runs it, one `spikemesh run`
 * process per engine, timed in CPU (wait4) and by its own stats.json. */
#define _DEFAULT_SOURCE /* wait4, mkdtemp */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "csv.h"
#include "output.h"

static double s_tv(const struct timeval *t)
{
    return (double)t->tv_sec + 1e-6 * (double)t->tv_usec;
}

/* run_cpu_seconds of dir/stats.json. */
static int s_loop_cpu(const char *dir, double *out, sm_error_t *err)
{
    char path[700];
    snprintf(path, sizeof path, "%s/stats.json", dir);
    size_t len = 0;
    char *text = sm_file_read(path, &len, err);
    if (!text)
        return -1;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *c = doc ? cJSON_GetObjectItemCaseSensitive(doc, "run_cpu_seconds") : NULL;
    int rc = cJSON_IsNumber(c) ? 0 : sm_fail(err, SM_EIO, "%s: no run_cpu_seconds", path);
    if (!rc)
        *out = c->valuedouble;
    cJSON_Delete(doc);
    return rc;
}

int sm_bench_loihi_process(const char *exe, uint32_t n, uint32_t n_src, uint32_t k,
                           double rate_hz, uint32_t ticks, uint64_t seed, int dense,
                           double *whole_cpu, double *loop_cpu, sm_error_t *err)
{
    const char *base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sm_bench_loihi_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return sm_fail(err, SM_EIO, "cannot make a temporary folder: %s", strerror(errno));
    char net[600], odir[600], text[4096];
    snprintf(net, sizeof net, "%s/loihi.json", dir);
    snprintf(odir, sizeof odir, "%s/out", dir);
    int rc = -1;
    if (sm_bench_loihi_text(text, sizeof text, n, n_src, k, rate_hz, ticks, seed)) {
        sm_fail(err, SM_EINVAL, "loihi network: description too long");
        goto out;
    }
    if (sm_write_file(net, text, err))
        goto out;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        sm_fail(err, SM_EIO, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        execl(exe, exe, "run", net, "--threads", "1", "--engine", dense ? "dense" : "event",
              "--quiet", "--out", odir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        sm_fail(err, SM_EIO, "%s run %s exited with status %d", exe, net,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        goto out;
    }
    *whole_cpu = s_tv(&ru.ru_utime) + s_tv(&ru.ru_stime);
    rc = s_loop_cpu(odir, loop_cpu, err);
out:;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0 && rc == 0)
        rc = sm_fail(err, SM_EIO, "cannot remove %s", dir);
    return rc;
}
