/* bench: the benchmark suite. Each measurement runs in a forked child, which
 * sends its figures back through a pipe with its peak RSS (VmHWM), so every
 * workload's memory is its own. The parent keeps
 * only the results, prints the table and writes the JSON. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "syntab.h"
#include "netfile.h"
#include "output.h"

#define S_MAXREP 32
#define S_SEED 20240611ULL
#define S_PER_CORE 256u

/* ---- small helpers -------------------------------------------------------- */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A field of /proc/self/status in kB (VmRSS, VmHWM), or 0. */
static double s_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0.0;
    char line[256];
    size_t n = strlen(field);
    double kb = 0.0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            kb = strtod(line + n + 1, NULL);
            break;
        }
    fclose(f);
    return kb;
}

static int s_dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double med, min, max;
} s_stat_t;

static s_stat_t s_stat(const double *v, uint32_t n)
{
    s_stat_t s = {0.0, 0.0, 0.0};
    if (!n)
        return s;
    double t[S_MAXREP];
    memcpy(t, v, n * sizeof *t);
    qsort(t, n, sizeof *t, s_dcmp);
    s.min = t[0];
    s.max = t[n - 1];
    s.med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    return s;
}

static cJSON *s_jstat(const double *v, uint32_t n)
{
    s_stat_t s = s_stat(v, n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "median", s.med);
    cJSON_AddNumberToObject(o, "min", s.min);
    cJSON_AddNumberToObject(o, "max", s.max);
    cJSON *runs = cJSON_AddArrayToObject(o, "runs");
    for (uint32_t i = 0; i < n; i++)
        cJSON_AddItemToArray(runs, cJSON_CreateNumber(v[i]));
    return o;
}

/* "1.23e+08 [1.2e+08-1.3e+08]" style: median, then the spread. */
static const char *s_fmt(char *buf, size_t cap, const double *v, uint32_t n, double scale,
                         const char *fmt)
{
    s_stat_t s = s_stat(v, n);
    char a[32], b[32], c[32];
    snprintf(a, sizeof a, fmt, s.med * scale);
    snprintf(b, sizeof b, fmt, s.min * scale);
    snprintf(c, sizeof c, fmt, s.max * scale);
    snprintf(buf, cap, "%s [%s-%s]", a, b, c);
    return buf;
}

/* ---- children --------------------------------------------------------------- */

/* What a child sends back. Plain data: it crosses a pipe. */
typedef struct {
    int ok;
    char msg[256];
    uint32_t reps;
    double run_s[S_MAXREP];     /* engine loop (sm_result_t.wall_seconds)          */
    double setup_s[S_MAXREP];   /* sm_engine_run total minus the loop: the build    */
    double dense_s[S_MAXREP];   /* activity: the dense engine's loop                */
    double run_cpu[S_MAXREP];   /* the loops in CPU time (sm_result_t.cpu_seconds)  */
    double dense_cpu[S_MAXREP];
    double eps[S_MAXREP];       /* limit: synaptic events per second               */
    sm_counters_t c, cd;        /* last run's totals (event, dense)                */
    uint64_t model_spikes;      /* spikes of the model population                   */
    uint64_t n_syn, n_fan;
    uint32_t n_neurons, ticks, ring;
    double sim_s;               /* biological time simulated                         */
    double rss_base_kb, hwm_kb; /* before building, and the peak                    */
    double net_s, syntab_s;     /* network construction; sm_syntab_build alone       */
} s_out_t;

typedef struct s_job s_job_t;
typedef int (*s_fn)(const s_job_t *j, s_out_t *o);

struct s_job {
    const char *name;
    uint32_t reps;
    int quick;
    /* limit */
    uint32_t rows, per_row, n_tgt;
    double min_s;
    /* networks */
    uint32_t n, n_src, k, ticks;
    double rate_hz;
    const char *path;
};

/* Runs fn in a child; o gets its figures, *maxrss_kb its peak RSS (the
 * child's VmHWM, read just before it exits). */
static int s_fork(s_fn fn, const s_job_t *j, s_out_t *o, double *maxrss_kb)
{
    memset(o, 0, sizeof *o);
    *maxrss_kb = 0.0;
    int fd[2];
    if (pipe(fd)) {
        snprintf(o->msg, sizeof o->msg, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(o->msg, sizeof o->msg, "fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        s_out_t *r = calloc(1, sizeof *r);
        int rc = r ? fn(j, r) : -1;
        if (r) {
            r->ok = rc == 0;
            r->hwm_kb = s_status_kb("VmHWM");
            const char *p = (const char *)r;
            size_t left = sizeof *r;
            while (left) {
                ssize_t w = write(fd[1], p, left);
                if (w <= 0) {
                    if (w < 0 && errno == EINTR)
                        continue;
                    break;
                }
                p += w;
                left -= (size_t)w;
            }
        }
        close(fd[1]);
        _exit(rc == 0 ? 0 : 1);
    }
    close(fd[1]);
    char *p = (char *)o;
    size_t got = 0;
    while (got < sizeof *o) {
        ssize_t r = read(fd[0], p + got, sizeof *o - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got != sizeof *o) {
        memset(o, 0, sizeof *o);
        if (WIFSIGNALED(status))
            snprintf(o->msg, sizeof o->msg, "child killed by signal %d (out of memory?)",
                     WTERMSIG(status));
        else
            snprintf(o->msg, sizeof o->msg, "child exited with status %d and no result",
                     WEXITSTATUS(status));
        return -1;
    }
    *maxrss_kb = o->hwm_kb;
    return o->ok ? 0 : -1;
}

static int s_fail_out(s_out_t *o, const sm_error_t *err)
{
    snprintf(o->msg, sizeof o->msg, "%.255s", err->msg);
    return -1;
}

/* limit: the raw scatter-add, in a child because the rows can be large. */
static int s_child_limit(const s_job_t *j, s_out_t *o)
{
    sm_bench_csr_t c;
    if (sm_bench_csr_init(&c, j->rows, j->per_row, j->n_tgt, S_SEED)) {
        snprintf(o->msg, sizeof o->msg, "out of memory for %u x %u synapses", j->rows, j->per_row);
        return -1;
    }
    for (uint32_t r = 0; r < j->reps; r++)
        o->eps[r] = sm_bench_limit(&c, j->min_s, S_SEED + r);
    o->reps = j->reps;
    o->n_syn = (uint64_t)j->rows * j->per_row;
    sm_bench_csr_fini(&c);
    return 0;
}

/* Spikes of the first n gids (the model population, which the workload
 * networks list first): on the sequential mapping they fill whole cores. */
static uint64_t s_first_spikes(const sm_result_t *r, uint32_t n)
{
    uint64_t s = 0, seen = 0;
    for (uint32_t c = 0; c < r->width * r->height && seen < n; c++) {
        s += r->cores[c].c.spikes;
        seen += r->cores[c].neurons;
    }
    return s;
}

/* Runs net reps times on one thread; dense too if asked. */
static int s_run_net(const sm_net_t *net, const s_job_t *j, s_out_t *o, int with_dense,
                     uint32_t model_neurons)
{
    sm_error_t err;
    sm_error_clear(&err);
    for (uint32_t r = 0; r < j->reps; r++) {
        for (int dense = 0; dense <= with_dense; dense++) {
            sm_run_opts_t ro;
            sm_run_opts_default(&ro);
            ro.threads = 1;
            ro.dense = dense;
            double t0 = s_now();
            sm_result_t *res = sm_engine_run(net, &ro, &err);
            double t1 = s_now();
            if (!res)
                return s_fail_out(o, &err);
            if (dense) {
                o->dense_s[r] = res->wall_seconds;
                o->dense_cpu[r] = res->cpu_seconds;
                o->cd = res->totals;
            } else {
                o->run_s[r] = res->wall_seconds;
                o->run_cpu[r] = res->cpu_seconds;
                o->setup_s[r] = (t1 - t0) - res->wall_seconds;
                o->c = res->totals;
                o->model_spikes = s_first_spikes(res, model_neurons);
            }
            o->ticks = res->ticks;
            o->sim_s = res->ticks * res->dt_ms * 1e-3;
            sm_result_destroy(&res);
        }
    }
    o->reps = j->reps;
    o->n_neurons = model_neurons;
    return 0;
}

static int s_child_cuba(const s_job_t *j, s_out_t *o)
{
    sm_error_t err;
    sm_error_clear(&err);
    o->rss_base_kb = s_status_kb("VmRSS");
    sm_net_t *net = sm_net_load(j->path, &err);
    if (!net)
        return s_fail_out(o, &err);
    int rc = s_run_net(net, j, o, 0, net->n_neurons);
    o->model_spikes = o->c.spikes;
    sm_net_destroy(&net);
    return rc;
}

static int s_child_scaling(const s_job_t *j, s_out_t *o)
{
    sm_error_t err;
    sm_error_clear(&err);
    o->rss_base_kb = s_status_kb("VmRSS");
    sm_net_t *net = sm_bench_scaling_net(j->n, j->ticks, S_SEED, &err);
    if (!net)
        return s_fail_out(o, &err);
    o->n_syn = (uint64_t)j->n * SM_BENCH_K;
    int rc = s_run_net(net, j, o, 0, j->n);
    sm_net_destroy(&net);
    return rc;
}

static int s_child_activity(const s_job_t *j, s_out_t *o)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_bench_activity_net(j->n, j->n_src, j->k, j->rate_hz, j->ticks, S_SEED, &err);
    if (!net)
        return s_fail_out(o, &err);
    o->n_syn = (uint64_t)j->n * j->k;
    int rc = s_run_net(net, j, o, 1, j->n);
    sm_net_destroy(&net);
    return rc;
}

static int s_child_loihi(const s_job_t *j, s_out_t *o)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_bench_loihi_net(j->n, j->n_src, j->k, j->rate_hz, j->ticks, S_SEED, &err);
    if (!net)
        return s_fail_out(o, &err);
    o->n_syn = (uint64_t)j->n * j->k;
    int rc = s_run_net(net, j, o, 1, j->n);
    sm_net_destroy(&net);
    return rc;
}

/* build: the synapse table alone once (for its sizes), then the whole
 * engine set-up with one tick, reps times. */
static int s_child_build(const s_job_t *j, s_out_t *o)
{
    sm_error_t err;
    sm_error_clear(&err);
    o->rss_base_kb = s_status_kb("VmRSS");
    double t0 = s_now();
    sm_net_t *net = sm_bench_scaling_net(j->n, 1, S_SEED, &err);
    o->net_s = s_now() - t0;
    if (!net)
        return s_fail_out(o, &err);
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, S_PER_CORE, &err);
    uint32_t *local = malloc(((size_t)net->n_neurons + 1) * sizeof *local);
    uint32_t *fill = map ? calloc((size_t)map->width * map->height, sizeof *fill) : NULL;
    if (!map || !local || !fill) {
        free(local);
        free(fill);
        sm_mapping_destroy(&map);
        sm_net_destroy(&net);
        if (!err.code)
            sm_fail(&err, SM_ENOMEM, "out of memory for the mapping");
        return s_fail_out(o, &err);
    }
    for (uint32_t g = 0; g < net->n_neurons; g++)
        local[g] = fill[map->core_of[g]]++;
    free(fill);
    sm_syntab_t tab;
    t0 = s_now();
    int rc = sm_syntab_build(&tab, net, map->core_of, local, NULL, &err);
    o->syntab_s = s_now() - t0;
    free(local);
    sm_mapping_destroy(&map);
    if (rc) {
        sm_net_destroy(&net);
        return s_fail_out(o, &err);
    }
    o->n_syn = tab.n_syn;
    o->n_fan = tab.n_fan;
    uint32_t ring = 1;
    while (ring <= tab.max_delay)
        ring *= 2;
    o->ring = ring;
    sm_syntab_fini(&tab);
    rc = s_run_net(net, j, o, 0, j->n);
    o->n_neurons = net->n_neurons;
    sm_net_destroy(&net);
    return rc;
}

/* ---- Brian2 -------------------------------------------------------------------- */

typedef struct {
    int ran;
    char note[256];
    char version[32];
    double run_s[S_MAXREP];
    uint32_t reps;
    double rate_hz;
} s_brian_t;

static const char *s_python_with_brian(void)
{
    static const char *const cands[] = {"python3", "/usr/bin/python3", NULL};
    const char *env = getenv("SM_BENCH_PYTHON");
    if (env && *env) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "'%s' -c 'import brian2' >/dev/null 2>&1", env);
        return system(cmd) == 0 ? env : NULL;
    }
    for (int i = 0; cands[i]; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s -c 'import brian2' >/dev/null 2>&1", cands[i]);
        if (system(cmd) == 0)
            return cands[i];
    }
    return NULL;
}

static void s_brian(uint32_t reps, s_brian_t *b)
{
    memset(b, 0, sizeof *b);
    const char *py = s_python_with_brian();
    if (!py) {
        snprintf(b->note, sizeof b->note,
                 "skipped: brian2 is not importable (apt-get install python3-brian, or set "
                 "SM_BENCH_PYTHON)");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/bench/brian_cuba.py' --repeat %u 2>/dev/null", py,
             SM_SOURCE_DIR, reps);
    FILE *f = popen(cmd, "r");
    if (!f) {
        snprintf(b->note, sizeof b->note, "skipped: cannot start %s", py);
        return;
    }
    char line[4096];
    cJSON *doc = NULL;
    while (fgets(line, sizeof line, f))
        if (line[0] == '{') {
            cJSON_Delete(doc);
            doc = cJSON_Parse(line);
        }
    int st = pclose(f);
    const cJSON *runs = doc ? cJSON_GetObjectItemCaseSensitive(doc, "run_s") : NULL;
    const cJSON *rate = doc ? cJSON_GetObjectItemCaseSensitive(doc, "rate_hz") : NULL;
    const cJSON *ver = doc ? cJSON_GetObjectItemCaseSensitive(doc, "brian2") : NULL;
    if (st != 0 || !cJSON_IsArray(runs) || !cJSON_IsNumber(rate)) {
        snprintf(b->note, sizeof b->note, "skipped: brian_cuba.py failed (status %d)", st);
        cJSON_Delete(doc);
        return;
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, runs)
    {
        if (cJSON_IsNumber(x) && b->reps < S_MAXREP)
            b->run_s[b->reps++] = x->valuedouble;
    }
    b->rate_hz = rate->valuedouble;
    snprintf(b->version, sizeof b->version, "%s", cJSON_IsString(ver) ? ver->valuestring : "?");
    snprintf(b->note, sizeof b->note,
             "Brian2 %s cpp_standalone, examples/CUBA.py, loop time from device._last_run_time "
             "(compilation excluded)",
             b->version);
    b->ran = b->reps > 0;
    cJSON_Delete(doc);
}

/* ---- the suite --------------------------------------------------------------------- */

static const char *const s_workloads[] = {"limit", "cuba", "scaling", "activity", "loihi",
                                          "build", "nir", NULL};

int sm_bench_is_workload(const char *name)
{
    for (int i = 0; s_workloads[i]; i++)
        if (!strcmp(name, s_workloads[i]))
            return 1;
    return 0;
}

static int s_want(const sm_bench_opts_t *o, const char *w)
{
    return !o->only || !strcmp(o->only, w);
}

/* A limit figure per network shape, measured in this run. */
typedef struct {
    uint32_t rows, per_row, n_tgt;
    double eps[S_MAXREP];
    uint32_t reps;
    int ok;
} s_limit_t;

static s_limit_t *s_limit_get(s_limit_t *L, uint32_t nl, uint32_t rows, uint32_t per_row,
                              uint32_t n_tgt)
{
    for (uint32_t i = 0; i < nl; i++)
        if (L[i].rows == rows && L[i].per_row == per_row && L[i].n_tgt == n_tgt)
            return &L[i];
    return NULL;
}

static double s_med(const double *v, uint32_t n)
{
    return s_stat(v, n).med;
}

static void s_machine(cJSON *root, char *line, size_t cap)
{
    char cpu[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char l[512];
        while (fgets(l, sizeof l, f))
            if (!strncmp(l, "model name", 10)) {
                char *c = strchr(l, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    c[strcspn(c, "\n")] = 0;
                    snprintf(cpu, sizeof cpu, "%s", c);
                }
                break;
            }
        fclose(f);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double mem_kb = 0.0;
    f = fopen("/proc/meminfo", "r");
    if (f) {
        char l[256];
        while (fgets(l, sizeof l, f))
            if (!strncmp(l, "MemTotal:", 9)) {
                mem_kb = strtod(l + 9, NULL);
                break;
            }
        fclose(f);
    }
    snprintf(line, cap, "%s, %ld CPUs, %.1f GB RAM", cpu, ncpu, mem_kb / 1048576.0);
    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(m, "cpu", cpu);
    cJSON_AddNumberToObject(m, "cpus", (double)ncpu);
    cJSON_AddNumberToObject(m, "mem_total_kb", mem_kb);
}

/* Atomically, as every output (tools/io/output.h). */
static int s_write_json(const char *path, cJSON *root)
{
    char *text = cJSON_Print(root);
    if (!text)
        return -1;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return -1;
    }
    memcpy(line + n, "\n", 2);
    sm_error_t err;
    int rc = sm_write_file(path, line, &err);
    if (rc)
        fprintf(stderr, "spikemesh bench: %s\n", err.msg);
    free(line);
    return rc;
}

/* Ticks for about `events` synaptic events at ~4 Hz and K synapses, at
 * least 50. */
static uint32_t s_scaling_ticks(uint32_t n, double events)
{
    double t = events / ((double)n * SM_BENCH_K * 4.0e-3);
    if (t < 50.0)
        t = 50.0;
    if (t > 50000.0)
        t = 50000.0;
    return (uint32_t)t;
}

/* nir: the paper CNN in a child (its own peak RSS), and as a whole process. */
typedef struct {
    int ok;
    char msg[256];
    sm_bench_nir_t r[S_MAXREP];
    double hwm_kb;
} s_nir_out_t;

static int s_nir(const sm_bench_opts_t *o, cJSON *root)
{
    const char *nir = SM_SOURCE_DIR "/tests/data/nir/paper_cnn_sinabs.nir";
    const char *side = SM_SOURCE_DIR "/tests/data/nir/paper_cnn_sinabs.side.json";
    uint32_t samples = o->quick ? 20 : 100, R = o->repeat;
    const double p = 0.08; /* the N-MNIST-like input rate of the reference case */
    printf("\n== nir: the NIR paper's N-MNIST CNN (Sinabs export, tests/data/nir/paper_cnn_sinabs),"
           " %u samples of 60 ticks, Bernoulli(%.2f) inputs, 1 thread ==\n", samples, p);
    cJSON *jn = cJSON_AddObjectToObject(root, "nir");
    s_nir_out_t *res = calloc(1, sizeof *res);
    if (!res) {
        printf("FAILED: out of memory\n");
        return -1;
    }
    fflush(stdout);
    int fd[2];
    pid_t pid = pipe(fd) ? -1 : fork();
    if (pid == 0) {
        close(fd[0]);
        for (uint32_t r = 0; r < R; r++) {
            sm_error_t err;
            sm_error_clear(&err);
            if (sm_bench_nir_inproc(nir, side, samples, p, S_SEED, &res->r[r], &err)) {
                snprintf(res->msg, sizeof res->msg, "%.255s", err.msg);
                break;
            }
            res->ok = (int)(r + 1);
        }
        res->hwm_kb = s_status_kb("VmHWM");
        ssize_t w = write(fd[1], res, sizeof *res);
        (void)w;
        _exit(0);
    }
    if (pid > 0) {
        close(fd[1]);
        size_t got = 0;
        while (got < sizeof *res) {
            ssize_t n = read(fd[0], (char *)res + got, sizeof *res - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        close(fd[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        if (got != sizeof *res)
            res->ok = 0;
    }
    if (res->ok != (int)R) {
        printf("FAILED: %s\n", res->msg[0] ? res->msg : "the child died");
        cJSON_AddStringToObject(jn, "error", res->msg);
        free(res);
        return -1;
    }
    char exe[4096];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[el > 0 ? el : 0] = '\0';
    double sps[S_MAXREP], run[S_MAXREP], whole[S_MAXREP], wsps[S_MAXREP], eps[S_MAXREP];
    double cpu[S_MAXREP], csps[S_MAXREP];
    double whwm = 0;
    for (uint32_t r = 0; r < R; r++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_bench_nir_t w;
        if (el <= 0 || sm_bench_nir_process(exe, nir, side, samples, p, S_SEED, &w, &err)) {
            printf("FAILED (whole process): %s\n", el <= 0 ? "cannot find this program" : err.msg);
            cJSON_AddStringToObject(jn, "error", err.msg);
            free(res);
            return -1;
        }
        const sm_bench_nir_t *b = &res->r[r];
        run[r] = b->run_s;
        sps[r] = samples / b->run_s;
        eps[r] = (double)b->synaptic_events / b->run_s;
        whole[r] = w.whole_s;
        wsps[r] = samples / w.whole_s;
        cpu[r] = w.whole_user_s;
        csps[r] = w.whole_user_s > 0 ? samples / w.whole_user_s : 0;
        whwm = w.whole_hwm_kb > whwm ? w.whole_hwm_kb : whwm;
    }
    const sm_bench_nir_t *b = &res->r[0];
    char buf[128], buf2[128];
    printf("in process: load + compile + engine %.3f s, then %s samples/s (%s synaptic events/s, "
           "%.3g spikes and %.3g synaptic events a sample)\n",
           b->load_s, s_fmt(buf, sizeof buf, sps, R, 1.0, "%.1f"),
           s_fmt(buf2, sizeof buf2, eps, R, 1.0, "%.3g"), (double)b->spikes / samples,
           (double)b->synaptic_events / samples);
    printf("whole process (spikemesh run ... --threads 1 --record-spikes output): %s s, %s "
           "samples/s, peak RSS %.0f MB\n",
           s_fmt(buf, sizeof buf, whole, R, 1.0, "%.2f"),
           s_fmt(buf2, sizeof buf2, wsps, R, 1.0, "%.1f"), whwm / 1024.0);
    printf("  its CPU time (user): %s s, %s samples per CPU second (what the wall figure is on an "
           "idle core)\n",
           s_fmt(buf, sizeof buf, cpu, R, 1.0, "%.2f"), s_fmt(buf2, sizeof buf2, csps, R, 1.0, "%.1f"));
    printf("conv layers as compiled: %llu weights (%.1f KB) standing for %llu synapses; the graph's"
           " connection nodes expanded one by one: %llu synapses (%.2f MB at 8 B)\n",
           (unsigned long long)b->conv_weights, 4e-3 * (double)b->conv_weights,
           (unsigned long long)b->conv_synapses, (unsigned long long)b->node_synapses,
           8e-6 * (double)b->node_synapses);
    printf("all projections: %llu weights stored (%.2f MB); synapse table %llu entries + %llu "
           "fan-out entries (%.2f MB) for %llu synapses\n",
           (unsigned long long)b->stored_weights, 4e-6 * (double)b->stored_weights,
           (unsigned long long)b->table_entries, (unsigned long long)b->fan_entries,
           8e-6 * (double)(b->table_entries + b->fan_entries), (unsigned long long)b->synapses);
    cJSON_AddStringToObject(jn, "graph", "tests/data/nir/paper_cnn_sinabs.nir");
    cJSON_AddNumberToObject(jn, "samples", samples);
    cJSON_AddNumberToObject(jn, "ticks_per_sample", b->ticks);
    cJSON_AddNumberToObject(jn, "load_s", b->load_s);
    cJSON_AddItemToObject(jn, "run_s", s_jstat(run, R));
    cJSON_AddItemToObject(jn, "samples_per_s", s_jstat(sps, R));
    cJSON_AddItemToObject(jn, "events_per_s", s_jstat(eps, R));
    cJSON_AddItemToObject(jn, "whole_process_s", s_jstat(whole, R));
    cJSON_AddItemToObject(jn, "whole_process_samples_per_s", s_jstat(wsps, R));
    cJSON_AddNumberToObject(jn, "whole_process_peak_rss_kb", whwm);
    cJSON_AddItemToObject(jn, "whole_process_user_s", s_jstat(cpu, R));
    cJSON_AddItemToObject(jn, "whole_process_samples_per_cpu_s", s_jstat(csps, R));
    cJSON_AddNumberToObject(jn, "in_process_peak_rss_kb", res->hwm_kb);
    cJSON_AddNumberToObject(jn, "spikes_per_sample", (double)b->spikes / samples);
    cJSON_AddNumberToObject(jn, "synaptic_events_per_sample", (double)b->synaptic_events / samples);
    cJSON_AddNumberToObject(jn, "conv_weights_stored", (double)b->conv_weights);
    cJSON_AddNumberToObject(jn, "conv_synapses", (double)b->conv_synapses);
    cJSON_AddNumberToObject(jn, "weights_stored", (double)b->stored_weights);
    cJSON_AddNumberToObject(jn, "synapses", (double)b->synapses);
    cJSON_AddNumberToObject(jn, "node_synapses_expanded", (double)b->node_synapses);
    cJSON_AddNumberToObject(jn, "table_entries", (double)b->table_entries);
    cJSON_AddNumberToObject(jn, "fan_entries", (double)b->fan_entries);
    free(res);
    return 0;
}

int sm_bench_run(const sm_bench_opts_t *o)
{
    if (!o->repeat || o->repeat > S_MAXREP) {
        fprintf(stderr, "spikemesh bench: --repeat must be in [1, %d]\n", S_MAXREP);
        return 2;
    }
    if (o->only && !sm_bench_is_workload(o->only)) {
        fprintf(stderr, "spikemesh bench: --only: unknown workload '%s' (limit, cuba, scaling, "
                        "activity, loihi, build, nir)\n", o->only);
        return 2;
    }
    const uint32_t R = o->repeat;
    int failed = 0;
    char buf[128], buf2[128];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "spikemesh", SM_VERSION);
    cJSON_AddBoolToObject(root, "quick", o->quick);
    cJSON_AddNumberToObject(root, "repeat", R);
    cJSON_AddNumberToObject(root, "seed", (double)S_SEED);
    char machine[512];
    s_machine(root, machine, sizeof machine);
    printf("spikemesh bench%s: %u repeats, medians [min-max]\nmachine: %s\n",
           o->quick ? " --quick" : "", R, machine);

    static const uint32_t sizes_full[] = {4096, 16384, 65536, 262144, 1048576};
    uint32_t n_sizes = o->quick ? 3 : 5;
    const uint32_t *sizes = sizes_full;
    const uint32_t act_n = 100000, act_src = 10000, act_k = 100;
    static const double fr_full[] = {0.001, 0.01, 0.05, 0.1, 0.25, 0.5};
    static const double fr_quick[] = {0.001, 0.01, 0.1, 0.5};
    const double *fracs = o->quick ? fr_quick : fr_full;
    uint32_t n_fr = o->quick ? 4 : 6;
    double min_s = o->quick ? 0.1 : 0.25;

    /* ---- limit ---- */
    s_limit_t lim[8];
    uint32_t nl = 0;
    int need_lim = s_want(o, "limit") || s_want(o, "scaling") || s_want(o, "cuba") ||
                   s_want(o, "activity");
    if (need_lim) {
        if (s_want(o, "limit") || s_want(o, "scaling"))
            for (uint32_t i = 0; i < n_sizes; i++)
                lim[nl++] = (s_limit_t){.rows = sizes[i] + sizes[i] / 10, .per_row = SM_BENCH_K,
                                        .n_tgt = sizes[i]};
        if (s_want(o, "limit") || s_want(o, "cuba"))
            lim[nl++] = (s_limit_t){.rows = 4000, .per_row = 80, .n_tgt = 4000};
        if (s_want(o, "limit") || s_want(o, "activity"))
            lim[nl++] = (s_limit_t){.rows = act_src, .per_row = act_n * act_k / act_src,
                                    .n_tgt = act_n};
        printf("\n== limit: raw CSR scatter-add, 1 thread (synaptic events/s) ==\n");
        printf("%-10s %-10s %-10s %-34s\n", "rows", "per row", "targets", "events/s");
        cJSON *ja = cJSON_AddArrayToObject(root, "limit");
        for (uint32_t i = 0; i < nl; i++) {
            s_job_t j = {.name = "limit", .reps = R, .rows = lim[i].rows,
                         .per_row = lim[i].per_row, .n_tgt = lim[i].n_tgt, .min_s = min_s};
            s_out_t out;
            double rss;
            if (s_fork(s_child_limit, &j, &out, &rss)) {
                printf("%-10u %-10u %-10u FAILED: %s\n", j.rows, j.per_row, j.n_tgt, out.msg);
                failed = 1;
                continue;
            }
            memcpy(lim[i].eps, out.eps, sizeof out.eps);
            lim[i].reps = out.reps;
            lim[i].ok = 1;
            printf("%-10u %-10u %-10u %s\n", j.rows, j.per_row, j.n_tgt,
                   s_fmt(buf, sizeof buf, out.eps, R, 1.0, "%.3g"));
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "rows", j.rows);
            cJSON_AddNumberToObject(e, "per_row", j.per_row);
            cJSON_AddNumberToObject(e, "targets", j.n_tgt);
            cJSON_AddItemToObject(e, "events_per_s", s_jstat(out.eps, R));
            cJSON_AddItemToArray(ja, e);
        }
    }

    /* ---- cuba ---- */
    if (s_want(o, "cuba")) {
        printf("\n== cuba: tools/examples/cuba.json (Brette 2007 CUBA, 4000 neurons, 1 s of 0.1 ms"
               " ticks), 1 thread ==\n");
        s_job_t j = {.name = "cuba", .reps = R, .path = SM_SOURCE_DIR "/tools/examples/cuba.json"};
        s_out_t out;
        double rss;
        cJSON *jc = cJSON_AddObjectToObject(root, "cuba");
        if (s_fork(s_child_cuba, &j, &out, &rss)) {
            printf("FAILED: %s\n", out.msg);
            cJSON_AddStringToObject(jc, "error", out.msg);
            failed = 1;
        } else {
            double eps[S_MAXREP];
            for (uint32_t r = 0; r < R; r++)
                eps[r] = out.run_s[r] > 0 ? (double)out.c.synaptic_events / out.run_s[r] : 0;
            double rate = (double)out.model_spikes / out.n_neurons / out.sim_s;
            s_limit_t *L = s_limit_get(lim, nl, 4000, 80, 4000);
            double pct = L && L->ok ? 100.0 * s_med(eps, R) / s_med(L->eps, L->reps) : NAN;
            printf("spikemesh  wall %s s   %s events/s (%.1f%% of limit)   rate %.2f Hz\n",
                   s_fmt(buf, sizeof buf, out.run_s, R, 1.0, "%.3f"),
                   s_fmt(buf2, sizeof buf2, eps, R, 1.0, "%.3g"), pct, rate);
            cJSON_AddItemToObject(jc, "wall_s", s_jstat(out.run_s, R));
            cJSON_AddItemToObject(jc, "events_per_s", s_jstat(eps, R));
            cJSON_AddNumberToObject(jc, "pct_of_limit", pct);
            cJSON_AddNumberToObject(jc, "rate_hz", rate);
            cJSON_AddNumberToObject(jc, "synaptic_events", (double)out.c.synaptic_events);
            cJSON_AddNumberToObject(jc, "neuron_updates", (double)out.c.neuron_updates);
            cJSON_AddNumberToObject(jc, "peak_rss_kb", rss);
            s_brian_t b;
            s_brian(R, &b);
            cJSON *jb = cJSON_AddObjectToObject(jc, "brian2");
            cJSON_AddStringToObject(jb, "note", b.note);
            if (b.ran) {
                double ratio = s_med(out.run_s, R) / s_med(b.run_s, b.reps);
                printf("brian2     wall %s s   rate %.2f Hz   spikemesh/brian2 wall ratio %.2f "
                       "(%s)\n",
                       s_fmt(buf, sizeof buf, b.run_s, b.reps, 1.0, "%.3f"), b.rate_hz, ratio,
                       ratio <= 1.0 ? "spikemesh faster" : "Brian2 faster");
                cJSON_AddItemToObject(jb, "wall_s", s_jstat(b.run_s, b.reps));
                cJSON_AddNumberToObject(jb, "rate_hz", b.rate_hz);
                cJSON_AddNumberToObject(jc, "wall_ratio_vs_brian2", ratio);
            } else {
                printf("brian2     %s\n", b.note);
            }
        }
    }

    /* ---- scaling ---- */
    if (s_want(o, "scaling")) {
        printf("\n== scaling: recurrent cuba_lif, %u synapses/neuron (+ N/10 Poisson sources), "
               "dt 1 ms, 1 thread ==\n", SM_BENCH_K);
        printf("%-8s %-6s %-7s %-30s %-22s %-7s %-9s %-8s %-8s\n", "N", "ticks", "rate", "events/s",
               "% of limit", "B/syn", "peak MB", "B/neur", "setup s");
        cJSON *ja = cJSON_AddArrayToObject(root, "scaling");
        for (uint32_t i = 0; i < n_sizes; i++) {
            uint32_t n = sizes[i];
            s_job_t j = {.name = "scaling", .reps = R, .n = n,
                         .ticks = s_scaling_ticks(n, o->quick ? 5e6 : 1e7)};
            s_out_t out;
            double rss;
            if (s_fork(s_child_scaling, &j, &out, &rss)) {
                printf("%-8u FAILED: %s\n", n, out.msg);
                failed = 1;
                continue;
            }
            double eps[S_MAXREP], pct[S_MAXREP];
            s_limit_t *L = s_limit_get(lim, nl, n + n / 10, SM_BENCH_K, n);
            double lmed = L && L->ok ? s_med(L->eps, L->reps) : NAN;
            for (uint32_t r = 0; r < R; r++) {
                eps[r] = out.run_s[r] > 0 ? (double)out.c.synaptic_events / out.run_s[r] : 0;
                pct[r] = 100.0 * eps[r] / lmed;
            }
            double rate = (double)out.model_spikes / n / out.sim_s;
            /* Memory: peak RSS of the child above what it held before
             * building anything, per synapse; per neuron is the same total
             * per model neuron (both carry the whole footprint). */
            double bytes = (rss - out.rss_base_kb) * 1024.0;
            double bps = bytes / (double)out.n_syn, bpn = bytes / n;
            printf("%-8u %-6u %-7.2f %-30s %-22s %-7.1f %-9.0f %-8.0f %-8.2f\n", n, out.ticks, rate,
                   s_fmt(buf, sizeof buf, eps, R, 1.0, "%.3g"),
                   s_fmt(buf2, sizeof buf2, pct, R, 1.0, "%.1f"), bps, rss / 1024.0, bpn,
                   s_med(out.setup_s, R));
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "neurons", n);
            cJSON_AddNumberToObject(e, "sources", n / 10);
            cJSON_AddNumberToObject(e, "synapses", (double)out.n_syn);
            cJSON_AddNumberToObject(e, "ticks", out.ticks);
            cJSON_AddNumberToObject(e, "rate_hz", rate);
            cJSON_AddNumberToObject(e, "synaptic_events", (double)out.c.synaptic_events);
            cJSON_AddNumberToObject(e, "neuron_updates", (double)out.c.neuron_updates);
            cJSON_AddItemToObject(e, "wall_s", s_jstat(out.run_s, R));
            cJSON_AddItemToObject(e, "events_per_s", s_jstat(eps, R));
            cJSON_AddItemToObject(e, "pct_of_limit", s_jstat(pct, R));
            cJSON_AddItemToObject(e, "setup_s", s_jstat(out.setup_s, R));
            cJSON_AddNumberToObject(e, "peak_rss_kb", rss);
            cJSON_AddNumberToObject(e, "base_rss_kb", out.rss_base_kb);
            cJSON_AddNumberToObject(e, "bytes_per_synapse", bps);
            cJSON_AddNumberToObject(e, "bytes_per_neuron", bpn);
            cJSON_AddItemToArray(ja, e);
        }
    }

    /* ---- activity ---- */
    if (s_want(o, "activity")) {
        uint32_t ticks = o->quick ? 300 : 1000;
        printf("\n== activity: %u Poisson sources -> %u cuba_lif neurons, fan-in %u, no "
               "recurrence, %u ticks of 1 ms, 1 thread ==\n", act_src, act_n, act_k, ticks);
        printf("%-7s %-8s %-8s %-26s %-26s %-9s %-12s %-12s %-9s\n", "target", "measured",
               "src Hz", "event wall s", "dense wall s", "dense/evt", "evt updates",
               "dense upd.", "% limit");
        s_limit_t *L = s_limit_get(lim, nl, act_src, act_n * act_k / act_src, act_n);
        double lmed = L && L->ok ? s_med(L->eps, L->reps) : NAN;
        cJSON *ja = cJSON_AddArrayToObject(root, "activity");
        for (uint32_t i = 0; i < n_fr; i++) {
            double hz = sm_bench_rate_for_activity(fracs[i], act_k, 1.0);
            s_job_t j = {.name = "activity", .reps = R, .n = act_n, .n_src = act_src, .k = act_k,
                         .rate_hz = hz, .ticks = ticks};
            s_out_t out;
            double rss;
            if (s_fork(s_child_activity, &j, &out, &rss)) {
                printf("%-7.3g FAILED: %s\n", fracs[i] * 100, out.msg);
                failed = 1;
                continue;
            }
            double ratio[S_MAXREP];
            for (uint32_t r = 0; r < R; r++)
                ratio[r] = out.dense_s[r] / out.run_s[r];
            double measured = (double)out.c.neuron_updates / (double)out.c.dense_updates;
            double ev_eps = (double)out.c.synaptic_events / s_med(out.run_s, R);
            printf("%-7.3g %-8.3g %-8.3g %-26s %-26s %-9.3g %-12llu %-12llu %-9.1f\n",
                   fracs[i] * 100, measured * 100, hz,
                   s_fmt(buf, sizeof buf, out.run_s, R, 1.0, "%.3g"),
                   s_fmt(buf2, sizeof buf2, out.dense_s, R, 1.0, "%.3g"), s_med(ratio, R),
                   (unsigned long long)out.c.neuron_updates,
                   (unsigned long long)out.cd.neuron_updates, 100.0 * ev_eps / lmed);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "target_fraction", fracs[i]);
            cJSON_AddNumberToObject(e, "measured_fraction", measured);
            cJSON_AddNumberToObject(e, "source_rate_hz", hz);
            cJSON_AddNumberToObject(e, "ticks", out.ticks);
            cJSON_AddNumberToObject(e, "synaptic_events", (double)out.c.synaptic_events);
            cJSON_AddItemToObject(e, "event_wall_s", s_jstat(out.run_s, R));
            cJSON_AddItemToObject(e, "dense_wall_s", s_jstat(out.dense_s, R));
            cJSON_AddItemToObject(e, "dense_over_event", s_jstat(ratio, R));
            cJSON_AddNumberToObject(e, "event_neuron_updates", (double)out.c.neuron_updates);
            cJSON_AddNumberToObject(e, "dense_neuron_updates", (double)out.cd.neuron_updates);
            cJSON_AddNumberToObject(e, "event_pct_of_limit", 100.0 * ev_eps / lmed);
            cJSON_AddItemToArray(ja, e);
        }
    }

    /* ---- loihi ---- */
    if (s_want(o, "loihi")) {
        uint32_t ticks = o->quick ? 300 : 1000;
        static const double lfr_full[] = {0.001, 0.01, 0.1};
        static const double lfr_quick[] = {0.01};
        const double *lfr = o->quick ? lfr_quick : lfr_full;
        uint32_t n_lfr = o->quick ? 1 : 3;
        printf("\n== loihi: %u Poisson sources -> %u loihi_lif neurons (Lava's integers), fan-in "
               "%u, %u ticks, 1 thread; CPU time, event and dense runs interleaved ==\n",
               act_src, act_n, act_k, ticks);
        printf("activity: the neuron updates a chip makes (input arrived or it fired) per neuron "
               "and tick\n");
        printf("%-7s %-8s %-8s %-26s %-26s %-24s %-12s %-12s %-9s\n", "target", "activity",
               "rate Hz", "event loop CPU s", "dense loop CPU s", "dense/event", "evt updates",
               "dense upd.", "upd ratio");
        cJSON *ja = cJSON_AddArrayToObject(root, "loihi");
        for (uint32_t i = 0; i < n_lfr; i++) {
            double hz = sm_bench_rate_for_activity(lfr[i], act_k, 1.0);
            s_job_t j = {.name = "loihi", .reps = R, .n = act_n, .n_src = act_src, .k = act_k,
                         .rate_hz = hz, .ticks = ticks};
            s_out_t out;
            double rss;
            if (s_fork(s_child_loihi, &j, &out, &rss)) {
                printf("%-7.3g FAILED: %s\n", lfr[i] * 100, out.msg);
                failed = 1;
                continue;
            }
            double ratio[S_MAXREP], wratio[S_MAXREP];
            for (uint32_t r = 0; r < R; r++) {
                ratio[r] = out.dense_cpu[r] / out.run_cpu[r];
                wratio[r] = out.dense_s[r] / out.run_s[r];
            }
            double activity = (double)out.c.active_updates / (double)out.c.dense_updates;
            double upd = (double)out.cd.neuron_updates / (double)out.c.neuron_updates;
            double rate = (double)out.model_spikes / out.n_neurons / out.sim_s;
            char buf3[128];
            printf("%-7.3g %-8.3g %-8.3g %-26s %-26s %-24s %-12llu %-12llu %-9.3g\n",
                   lfr[i] * 100, activity * 100, rate,
                   s_fmt(buf, sizeof buf, out.run_cpu, R, 1.0, "%.3g"),
                   s_fmt(buf2, sizeof buf2, out.dense_cpu, R, 1.0, "%.3g"),
                   s_fmt(buf3, sizeof buf3, ratio, R, 1.0, "%.3g"),
                   (unsigned long long)out.c.neuron_updates,
                   (unsigned long long)out.cd.neuron_updates, upd);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "target_fraction", lfr[i]);
            cJSON_AddNumberToObject(e, "activity", activity);
            cJSON_AddNumberToObject(e, "source_rate_hz", hz);
            cJSON_AddNumberToObject(e, "rate_hz", rate);
            cJSON_AddNumberToObject(e, "ticks", out.ticks);
            cJSON_AddNumberToObject(e, "synaptic_events", (double)out.c.synaptic_events);
            cJSON_AddItemToObject(e, "event_loop_cpu_s", s_jstat(out.run_cpu, R));
            cJSON_AddItemToObject(e, "dense_loop_cpu_s", s_jstat(out.dense_cpu, R));
            cJSON_AddItemToObject(e, "dense_over_event_cpu", s_jstat(ratio, R));
            cJSON_AddItemToObject(e, "event_wall_s", s_jstat(out.run_s, R));
            cJSON_AddItemToObject(e, "dense_wall_s", s_jstat(out.dense_s, R));
            cJSON_AddItemToObject(e, "dense_over_event_wall", s_jstat(wratio, R));
            cJSON_AddNumberToObject(e, "event_neuron_updates", (double)out.c.neuron_updates);
            cJSON_AddNumberToObject(e, "dense_neuron_updates", (double)out.cd.neuron_updates);
            cJSON_AddNumberToObject(e, "active_updates", (double)out.c.active_updates);
            cJSON_AddNumberToObject(e, "dense_over_event_updates", upd);
            /* At 1%, the figure, whole processes as a user runs them. */
            if (lfr[i] == 0.01) {
                char exe[4096];
                ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
                exe[el > 0 ? el : 0] = '\0';
                double we[S_MAXREP], wd[S_MAXREP], le[S_MAXREP], ld[S_MAXREP];
                double pr[S_MAXREP], plr[S_MAXREP];
                int ok = el > 0;
                sm_error_t err;
                sm_error_clear(&err);
                if (!ok)
                    sm_fail(&err, SM_EIO, "cannot find this program");
                for (uint32_t r = 0; ok && r < R; r++) {
                    ok = !sm_bench_loihi_process(exe, act_n, act_src, act_k, hz, ticks, S_SEED, 0,
                                                 &we[r], &le[r], &err) &&
                         !sm_bench_loihi_process(exe, act_n, act_src, act_k, hz, ticks, S_SEED, 1,
                                                 &wd[r], &ld[r], &err);
                    if (ok) {
                        pr[r] = wd[r] / we[r];
                        plr[r] = ld[r] / le[r];
                    }
                }
                if (!ok) {
                    printf("whole process: FAILED: %s\n", err.msg);
                    cJSON_AddStringToObject(e, "whole_process_error", err.msg);
                    failed = 1;
                } else {
                    printf("whole process at %.3g%% (spikemesh run NET --threads 1 --engine "
                           "event|dense --quiet, CPU from wait4):\n", lfr[i] * 100);
                    printf("  event %s s, dense %s s: dense/event %s\n",
                           s_fmt(buf, sizeof buf, we, R, 1.0, "%.3g"),
                           s_fmt(buf2, sizeof buf2, wd, R, 1.0, "%.3g"),
                           s_fmt(buf3, sizeof buf3, pr, R, 1.0, "%.3g"));
                    printf("  their loops (stats.json run_cpu_seconds): event %s s, dense %s s: "
                           "dense/event %s\n",
                           s_fmt(buf, sizeof buf, le, R, 1.0, "%.3g"),
                           s_fmt(buf2, sizeof buf2, ld, R, 1.0, "%.3g"),
                           s_fmt(buf3, sizeof buf3, plr, R, 1.0, "%.3g"));
                    cJSON *w = cJSON_AddObjectToObject(e, "whole_process");
                    cJSON_AddItemToObject(w, "event_cpu_s", s_jstat(we, R));
                    cJSON_AddItemToObject(w, "dense_cpu_s", s_jstat(wd, R));
                    cJSON_AddItemToObject(w, "dense_over_event", s_jstat(pr, R));
                    cJSON_AddItemToObject(w, "event_run_cpu_seconds", s_jstat(le, R));
                    cJSON_AddItemToObject(w, "dense_run_cpu_seconds", s_jstat(ld, R));
                    cJSON_AddItemToObject(w, "dense_over_event_loop", s_jstat(plr, R));
                }
            }
            cJSON_AddItemToArray(ja, e);
        }
    }

    /* ---- build ---- */
    if (s_want(o, "build")) {
        uint32_t n = o->quick ? 100000 : 1000000;
        printf("\n== build: %u neurons, %u synapses each (the scaling network), mapped on cores "
               "of %u, 1 tick ==\n", n, SM_BENCH_K, S_PER_CORE);
        s_job_t j = {.name = "build", .reps = R, .n = n};
        s_out_t out;
        double rss;
        cJSON *jb = cJSON_AddObjectToObject(root, "build");
        if (s_fork(s_child_build, &j, &out, &rss)) {
            printf("FAILED: %s\n", out.msg);
            cJSON_AddStringToObject(jb, "error", out.msg);
            failed = 1;
        } else {
            /* The engine's steady-state footprint, from its allocations
             * (router/engine.c, core/syntab.c, router/engine_int.h): per
             * synapse 8 B; per fan-out entry 8 B; per gid 16 B of row and
             * fan-out offsets, 8 B of mapping (core and local index), 4 B of
             * emission count, a 64 B cell (state, model pointer, last and
             * wake ticks, calendar links, the input of up to two ring
             * slots), 4 B of gid, and per ring slot a touched bit and a
             * touched-list entry (<= 4 B); a ring of more slots is kept
             * beside the cells, 8 B per slot. */
            double syn_b = 8.0 * (double)out.n_syn + 8.0 * (double)out.n_fan;
            double per_gid = 16 + 8 + 4 + 64 + 4 + out.ring * (4.0 + 1.0 / 8.0) +
                             (out.ring > 2 ? 8.0 * out.ring : 0.0);
            double gid_b = per_gid * out.n_neurons;
            double est = syn_b + gid_b;
            double bps_est = syn_b / (double)out.n_syn;
            double bps_rss = ((rss - out.rss_base_kb) * 1024.0) / (double)out.n_syn;
            printf("network description %.3f s; synapse table alone %.2f s; whole set-up %s s\n",
                   out.net_s, out.syntab_s, s_fmt(buf, sizeof buf, out.setup_s, R, 1.0, "%.2f"));
            printf("synapses %llu, fan-out entries %llu (%.2f per synapse), gids %u\n",
                   (unsigned long long)out.n_syn, (unsigned long long)out.n_fan,
                   (double)out.n_fan / (double)out.n_syn, out.n_neurons);
            printf("peak RSS %.0f MB (%.1f B/synapse all included); engine allocations %.0f MB: "
                   "%.1f B/synapse (synapses + fan-out) + %.0f B/gid\n",
                   rss / 1024.0, bps_rss, est / 1048576.0, bps_est, per_gid);
            printf("100M synapses extrapolated from the peak: %.2f GB\n", bps_rss * 1e8 / 1073741824.0);
            cJSON_AddNumberToObject(jb, "neurons", n);
            cJSON_AddNumberToObject(jb, "gids", out.n_neurons);
            cJSON_AddNumberToObject(jb, "synapses", (double)out.n_syn);
            cJSON_AddNumberToObject(jb, "fan_entries", (double)out.n_fan);
            cJSON_AddNumberToObject(jb, "net_s", out.net_s);
            cJSON_AddNumberToObject(jb, "syntab_s", out.syntab_s);
            cJSON_AddItemToObject(jb, "setup_s", s_jstat(out.setup_s, R));
            cJSON_AddNumberToObject(jb, "peak_rss_kb", rss);
            cJSON_AddNumberToObject(jb, "bytes_per_synapse_rss", bps_rss);
            cJSON_AddNumberToObject(jb, "bytes_per_synapse_alloc", bps_est);
            cJSON_AddNumberToObject(jb, "bytes_per_gid_alloc", per_gid);
            cJSON_AddNumberToObject(jb, "engine_alloc_bytes", est);
        }
    }

    if (s_want(o, "nir") && s_nir(o, root))
        failed = 1;

    int rc = failed ? 1 : 0;
    if (o->json_path && s_write_json(o->json_path, root))
        rc = 1;
    else if (o->json_path)
        printf("\nwrote %s\n", o->json_path);
    cJSON_Delete(root);
    return rc;
}
