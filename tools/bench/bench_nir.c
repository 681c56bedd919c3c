/* bench_nir: the NIR workload of the benchmark suite: a batch of samples of
 * a NIR graph (the NIR paper's N-MNIST CNN, exported by Sinabs) run one
 * after another on one thread, in this process (load, compile, build the
 * engine once, then the samples) and as a whole `spikemesh run` process,
 * with what the compiled connections store against their expansion. */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "mapping.h"
#include "nir.h"
#include "nir_compile.h"
#include "nir_side.h"
#include "npy.h"
#include "rng.h"
#include "syntab.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Bernoulli(p) spikes, [ticks][samples][features] as uint8, from a seed. */
static uint8_t *s_spikes(uint32_t ticks, uint32_t samples, uint64_t features, double p,
                         uint64_t seed)
{
    size_t n = (size_t)ticks * samples * features;
    uint8_t *x = malloc(n ? n : 1);
    if (!x)
        return NULL;
    sm_rng_t r = sm_rng_stream(seed, 0x4e4952, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = sm_rng_uniform(&r) < p;
    return x;
}

/* The same as a .npy file of shape [ticks, samples, shape...]. */
static int s_write_npy(const char *path, const uint8_t *x, uint32_t ticks, uint32_t samples,
                       const sm_nir_shape_t *shape, sm_error_t *err)
{
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '|u1', 'fortran_order': False, 'shape': (%u, %u",
                     ticks, samples);
    uint64_t n = (uint64_t)ticks * samples;
    for (uint32_t d = 0; d < shape->ndim; d++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, ", %lld", (long long)shape->dim[d]);
        n *= (uint64_t)shape->dim[d];
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    /* magic (6) + version (2) + length (2) + dict + padding + '\n': a
     * multiple of 64. */
    size_t hlen = (size_t)k + 1, total = 10 + hlen;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f)
        return sm_fail(err, SM_EIO, "%s: cannot write: %s", path, strerror(errno));
    uint16_t len = (uint16_t)(hlen + pad);
    unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xFF),
                              (unsigned char)(len >> 8)};
    fwrite(head, 1, sizeof head, f);
    fwrite(dict, 1, (size_t)k, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(x, 1, n, f);
    if (fclose(f))
        return sm_fail(err, SM_EIO, "%s: write failed", path);
    return 0;
}

/* What the compiled projections store; the synapse table's entries on the
 * default mapping (256 neurons a core). */
static int s_memory(const sm_nir_net_t *nn, const sm_nir_graph_t *g, sm_bench_nir_t *out,
                    sm_error_t *err)
{
    for (uint32_t i = 0; i < nn->n_projs; i++) {
        const sm_nir_proj_t *p = &nn->projs[i];
        out->stored_weights += p->stored;
        out->synapses += p->synapses;
        if (nn->net->projs[p->proj].conn == SM_CONN_CONV2D) {
            out->conv_weights += p->stored;
            out->conv_synapses += p->synapses;
        }
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        out->node_synapses += sm_nir_expanded_synapses(&g->nodes[i]);
    sm_mapping_t *map = sm_mapping_sequential(nn->net, 0, 0, 256, err);
    uint32_t n = nn->net->n_neurons;
    uint32_t *local = malloc(((size_t)n + 1) * sizeof *local);
    uint32_t *fill = map ? calloc((size_t)map->width * map->height, sizeof *fill) : NULL;
    int rc = -1;
    if (!map || !local || !fill) {
        if (!err->code)
            sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t gd = 0; gd < n; gd++)
        local[gd] = fill[map->core_of[gd]]++;
    sm_syntab_t t;
    if (sm_syntab_build(&t, nn->net, map->core_of, local, NULL, err))
        goto out;
    out->table_entries = t.n_syn;
    out->fan_entries = t.n_fan;
    out->table_struct_synapses = t.n_struct_syn;
    sm_syntab_fini(&t);
    rc = 0;
out:
    free(local);
    free(fill);
    sm_mapping_destroy(&map);
    return rc;
}

int sm_bench_nir_inproc(const char *nir, const char *side_path, uint32_t samples, double p,
                        uint64_t seed, sm_bench_nir_t *out, sm_error_t *err)
{
    memset(out, 0, sizeof *out);
    double t0 = s_now();
    sm_nir_graph_t *g = sm_nir_load(nir, err);
    sm_nir_side_t *side = g ? sm_nir_side_load(side_path, err) : NULL;
    sm_nir_net_t *nn = side ? sm_nir_compile(g, side, err) : NULL;
    uint8_t *x = NULL;
    sm_engine_t *e = NULL;
    int rc = -1;
    if (!nn)
        goto out;
    const sm_nir_node_t *in = &g->nodes[nn->input_node];
    uint64_t F = (uint64_t)sm_nir_shape_size(&in->out_shape);
    uint32_t T = 60;
    if (!(x = s_spikes(T, samples, F, p, seed))) {
        sm_fail(err, SM_ENOMEM, "out of memory for the input");
        goto out;
    }
    sm_npy_t a = {.dtype = SM_NPY_U8, .version = 1, .ndim = 3, .shape = {T, samples, F},
                  .n = (uint64_t)T * samples * F, .itemsize = 1, .data = x};
    sm_nir_input_t inp;
    if (sm_nir_input_check(nn, &a, "input", &inp, err))
        goto out;
    nn->net->ticks = T;
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.threads = 1;
    o.dense = 1;
    for (uint32_t l = 0; l < nn->n_layers; l++)
        nn->net->pops[nn->layers[l].pop].record_spikes = (int32_t)l == nn->output_layer;
    nn->net->pops[nn->input_pop].record_spikes = false;
    if (!(e = sm_engine_open(nn->net, &o, err)))
        goto out;
    double t1 = s_now();
    out->load_s = t1 - t0;
    for (uint32_t b = 0; b < samples; b++) {
        if (sm_nir_net_set_input(nn, &inp, b, T, err))
            goto out;
        sm_result_t *r = sm_engine_rerun(e, err);
        if (!r)
            goto out;
        out->spikes += r->totals.spikes;
        out->synaptic_events += r->totals.synaptic_events;
        sm_result_destroy(&r);
    }
    out->run_s = s_now() - t1;
    out->samples = samples;
    out->ticks = T;
    sm_engine_close(&e);
    rc = s_memory(nn, g, out, err);
out:
    sm_engine_close(&e);
    free(x);
    sm_nir_net_destroy(&nn);
    sm_nir_side_destroy(&side);
    sm_nir_graph_destroy(&g);
    return rc;
}

int sm_bench_nir_process(const char *exe, const char *nir, const char *side_path,
                         uint32_t samples, double p, uint64_t seed, sm_bench_nir_t *out,
                         sm_error_t *err)
{
    const char *base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sm_bench_nir_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return sm_fail(err, SM_EIO, "cannot make a temporary folder: %s", strerror(errno));
    char npy[600], odir[600];
    snprintf(npy, sizeof npy, "%s/x.npy", dir);
    snprintf(odir, sizeof odir, "%s/out", dir);
    int rc = -1;
    sm_nir_graph_t *g = sm_nir_load(nir, err);
    uint8_t *x = NULL;
    if (!g)
        goto out;
    const sm_nir_node_t *in = NULL;
    for (uint32_t i = 0; i < g->n_nodes && !in; i++)
        if (g->nodes[g->order[i]].type == SM_NIR_INPUT)
            in = &g->nodes[g->order[i]];
    if (!in) {
        sm_fail(err, SM_EINVAL, "%s: no Input node", nir);
        goto out;
    }
    uint64_t F = (uint64_t)sm_nir_shape_size(&in->out_shape);
    if (!(x = s_spikes(60, samples, F, p, seed)) ||
        s_write_npy(npy, x, 60, samples, &in->out_shape, err))
        goto out;
    free(x);
    x = NULL;
    double t0 = s_now();
    pid_t pid = fork();
    if (pid < 0) {
        sm_fail(err, SM_EIO, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        execl(exe, exe, "run", nir, "--nir-conventions", side_path, "--input", npy, "--threads",
              "1", "--record-spikes", "output", "--out", odir, "--quiet", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    out->whole_s = s_now() - t0;
    out->whole_user_s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
    out->whole_hwm_kb = (double)ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        sm_fail(err, SM_EIO, "%s run %s exited with status %d", exe, nir,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        goto out;
    }
    rc = 0;
out:
    free(x);
    sm_nir_graph_destroy(&g);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0 && rc == 0)
        rc = sm_fail(err, SM_EIO, "cannot remove %s", dir);
    return rc;
}
