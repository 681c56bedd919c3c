/* run_nir: the NIR branch of `spikemesh run` (see run_nir.h). A NIR graph is
 * compiled onto a network once; then each sample of the input tensor drives
 * its Input node for T ticks, from the initial state (batch inference), on
 * the same engines, mappings and chips as a JSON network. Outputs: the
 * usual spikes.csv, traces.csv and stats.json (a `sample` column first when
 * the input holds more than one sample), ticks.csv (the samples' ticks end
 * to end), stats.json's "nir" section
 * (samples per second, the compiled projections and their memory, and with
 * --labels the accuracy and confusion matrix), and with --nir-output the
 * text format of the NIR reference cases' check.py. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chip.h"
#include "energy.h"
#include "mapfile.h"
#include "mapper.h"
#include "nir.h"
#include "nir_batch.h"
#include "nir_compile.h"
#include "nir_data.h"
#include "nir_side.h"
#include "npy.h"
#include "output.h"
#include "quantise.h"
#include "report.h"
#include "run_nir.h"
#include "run_setup.h"
#include "ticks.h"

void sm_nir_run_opts_default(sm_nir_run_opts_t *nr)
{
    memset(nr, 0, sizeof *nr);
    nr->record_spikes = SM_NIR_REC_ALL;
}

void sm_nir_run_usage(FILE *f)
{
    fprintf(f,
            "\nNIR models (spikemesh run MODEL.nir, docs/nir.md):\n"
            "  --nir-conventions F    the flavor, dt and per-node conventions the file does not\n"
            "                         say (the nir_side_info schema)\n"
            "  --nir-flavor NAME      snntorch, norse or sinabs, with that flavor's defaults\n"
            "  --input X.npy|X.h5     spike tensor [T, B, features...] or [T, features...] (.npy),\n"
            "                         or NIR data (nir.write_data: the Input node's observable):\n"
            "                         B samples, each run from the initial state for T ticks\n"
            "  --labels FILE          one class per sample (.npy or text): accuracy from the\n"
            "                         output layer's spike counts, confusion in stats.json\n"
            "  --record-v all|none    trace every neuron's membrane (default none)\n"
            "  --record-spikes all|output|none   spikes.csv rows (default all)\n"
            "  --nir-output FILE      every layer's spikes and membranes of sample 0 in the\n"
            "                         text format of the NIR cases' check.py\n"
            "  NIR runs use the dense engine unless --engine event is given.\n");
}

static int s_bad(const char *opt, const char *v, const char *want)
{
    fprintf(stderr, "spikemesh run: %s: expected %s, got '%s'\n", opt, want, v ? v : "");
    return -1;
}

int sm_nir_run_option(sm_nir_run_opts_t *nr, const char *a, const char *v)
{
    const char **slot = !strcmp(a, "--nir-conventions") ? &nr->conventions
                        : !strcmp(a, "--nir-flavor")     ? &nr->flavor
                        : !strcmp(a, "--input")          ? &nr->input
                        : !strcmp(a, "--labels")         ? &nr->labels
                        : !strcmp(a, "--nir-output")     ? &nr->output
                                                         : NULL;
    if (slot) {
        if (!v)
            return s_bad(a, v, "a value");
        *slot = v;
        nr->any = true;
        return 2;
    }
    if (!strcmp(a, "--record-v")) {
        if (!v || (strcmp(v, "all") && strcmp(v, "none")))
            return s_bad(a, v, "all or none");
        nr->record_v = !strcmp(v, "all");
        return 2;
    }
    if (!strcmp(a, "--record-spikes")) {
        if (!v || (strcmp(v, "all") && strcmp(v, "output") && strcmp(v, "none")))
            return s_bad(a, v, "all, output or none");
        nr->record_spikes = !strcmp(v, "all") ? SM_NIR_REC_ALL
                            : !strcmp(v, "output") ? SM_NIR_REC_OUTPUT
                                                   : SM_NIR_REC_NONE;
        nr->any = true;
        return 2;
    }
    return 0;
}

bool sm_nir_run_wanted(const sm_nir_run_opts_t *nr, const char *model_path)
{
    size_t n = model_path ? strlen(model_path) : 0;
    return nr->any || (n > 4 && !strcmp(model_path + n - 4, ".nir"));
}

/* ---- labels ----------------------------------------------------------------- */

/* One class per sample: a .npy of integers, or text (integers separated by
 * spaces, commas or newlines). */
static int64_t *s_labels(const char *path, uint64_t B, uint32_t classes, sm_error_t *err)
{
    int64_t *lab = malloc((size_t)(B ? B : 1) * sizeof *lab);
    if (!lab) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    uint64_t n = 0;
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".npy")) {
        sm_npy_t *a = sm_npy_load(path, err);
        if (!a)
            goto fail;
        if (a->n != B) {
            sm_fail(err, SM_EINVAL, "%s: %llu labels for %llu samples", path,
                    (unsigned long long)a->n, (unsigned long long)B);
            sm_npy_destroy(&a);
            goto fail;
        }
        for (n = 0; n < B; n++) {
            double x = sm_npy_at(a, n);
            if (x != floor(x)) {
                sm_fail(err, SM_EINVAL, "%s: label %llu is %g, not a class index", path,
                        (unsigned long long)n, x);
                sm_npy_destroy(&a);
                goto fail;
            }
            lab[n] = (int64_t)x;
        }
        sm_npy_destroy(&a);
    } else {
        FILE *f = fopen(path, "r");
        if (!f) {
            sm_fail(err, SM_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        char tok[64];
        int c, k = 0;
        for (;;) {
            c = fgetc(f);
            bool sep = c == EOF || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
            if (!sep) {
                if (k + 1 >= (int)sizeof tok)
                    break;
                tok[k++] = (char)c;
                continue;
            }
            if (k) {
                tok[k] = '\0';
                char *end;
                errno = 0;
                long long x = strtoll(tok, &end, 10);
                if (*end || errno || n >= B) {
                    fclose(f);
                    if (n >= B)
                        sm_fail(err, SM_EINVAL, "%s: more labels than the %llu samples", path,
                                (unsigned long long)B);
                    else
                        sm_fail(err, SM_EINVAL, "%s: label %llu: '%s' is not an integer", path,
                                (unsigned long long)n, tok);
                    goto fail;
                }
                lab[n++] = x;
                k = 0;
            }
            if (c == EOF)
                break;
        }
        fclose(f);
        if (c != EOF) {
            sm_fail(err, SM_EINVAL, "%s: label %llu too long", path, (unsigned long long)n);
            goto fail;
        }
        if (n != B) {
            sm_fail(err, SM_EINVAL, "%s: %llu labels for %llu samples", path, (unsigned long long)n,
                    (unsigned long long)B);
            goto fail;
        }
    }
    for (uint64_t i = 0; i < B; i++)
        if (lab[i] < 0 || lab[i] >= classes) {
            sm_fail(err, SM_EINVAL, "%s: label %llu is %lld, outside the %u classes of the output "
                    "layer", path, (unsigned long long)i, (long long)lab[i], classes);
            goto fail;
        }
    return lab;
fail:
    free(lab);
    return NULL;
}

/* ---- outputs ---------------------------------------------------------------- */

/* Sample b's spikes and traces, with a sample column. */
static void s_write_sample(FILE *fs, FILE *ft, const sm_net_t *net, const sm_result_t *r,
                           uint64_t b)
{
    for (size_t i = 0; fs && i < r->n_spikes; i++) {
        const sm_spike_t *s = &r->spikes[i];
        const sm_pop_t *p = &net->pops[sm_net_pop_of(net, s->gid)];
        for (uint32_t k = 0; k < s->count; k++)
            fprintf(fs, "%llu,%u,%s,%u\n", (unsigned long long)b, s->tick, p->name,
                    s->gid - p->first);
    }
    for (uint32_t t = 0; ft && t < r->ticks; t++)
        for (uint32_t p = 0; p < r->n_probes; p++) {
            const float *v = &r->trace[((size_t)t * r->n_probes + p) * 3];
            const sm_probe_t *pr = &net->probes[p];
            fprintf(ft, "%llu,%u,%s,%u,%.9g,%.9g,%.9g\n", (unsigned long long)b, t,
                    net->pops[pr->pop].name, pr->index, (double)v[0], (double)v[1], (double)v[2]);
        }
}

/* check.py's text format: per layer, its spike counts and (traced) its
 * membranes, T rows of N values in C order. */
static int s_write_check(const char *path, const sm_nir_net_t *nn, const sm_result_t *r,
                         sm_error_t *err)
{
    const sm_net_t *net = nn->net;
    uint32_t T = r->ticks;
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    fprintf(o.f, "# spikemesh %s: every layer of %s, sample 0\n", SM_VERSION,
             net->path ? net->path : "the graph");
    uint32_t probe = 0;
    for (uint32_t l = 0; l < nn->n_layers; l++) {
        const sm_pop_t *p = &net->pops[nn->layers[l].pop];
        uint32_t N = p->size;
        if (nn->layers[l].spikes && p->record_spikes) {
            uint32_t *cnt = calloc((size_t)T * N + 1, sizeof *cnt);
            if (!cnt) {
                sm_out_abort(&o);
                return sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
            }
            for (size_t i = 0; i < r->n_spikes; i++) {
                const sm_spike_t *s = &r->spikes[i];
                if (s->gid >= p->first && s->gid < p->first + N && s->tick < T)
                    cnt[(size_t)s->tick * N + (s->gid - p->first)] += s->count;
            }
            fprintf(o.f, "layer %s spk %u %u\n", p->name, T, N);
            for (uint32_t t = 0; t < T; t++)
                for (uint32_t i = 0; i < N; i++)
                    fprintf(o.f, "%u%c", cnt[(size_t)t * N + i], i + 1 < N ? ' ' : '\n');
            free(cnt);
        }
        /* Probes run over the layers in order (sm_nir_net_probe_all). */
        if (r->n_probes >= probe + N && net->probes[probe].pop == nn->layers[l].pop) {
            fprintf(o.f, "layer %s mem %u %u\n", p->name, T, N);
            for (uint32_t t = 0; t < T; t++)
                for (uint32_t i = 0; i < N; i++)
                    fprintf(o.f, "%.9g%c",
                            (double)r->trace[((size_t)t * r->n_probes + probe + i) * 3],
                            i + 1 < N ? ' ' : '\n');
            probe += N;
        }
    }
    return sm_out_commit(&o, err);
}

/* ---- the run ------------------------------------------------------------------ */

typedef struct {
    const sm_nir_run_opts_t *nr;
    const sm_nir_run_ctx_t *rc;
    const char *model;
    sm_nir_net_t *nn;
    sm_npy_t *x;
    sm_nir_input_t in;
    int64_t *labels;
    sm_chip_t *chip;
    sm_mapping_t *map;
    sm_qreport_t qrep;       /* a fixed-point chip's quantisation             */
    bool quantised;
    sm_map_report_t map_rep;
    double tick_ns[4];       /* the chip's latencies, for the per-tick series */
    sm_nir_batch_t batch;    /* every sample, ticks end to end                */
    sm_out_t fs, ft;
    bool fs_open, ft_open;
    sm_error_t err;
} s_run_t;

static void s_run_fini(s_run_t *s)
{
    if (s->fs_open)
        sm_out_abort(&s->fs);
    if (s->ft_open)
        sm_out_abort(&s->ft);
    sm_nir_batch_fini(&s->batch);
    free(s->labels);
    sm_qreport_fini(&s->qrep);
    sm_mapping_destroy(&s->map);
    sm_chip_destroy(&s->chip);
    sm_npy_destroy(&s->x);
    sm_nir_net_destroy(&s->nn);
}

/* As for a network file: the cost checked before anything large is built,
 * the network quantised for a fixed-point chip, then placed. */
static int s_place(s_run_t *s)
{
    const sm_nir_run_ctx_t *rc = s->rc;
    sm_net_t *net = s->nn->net;
    sm_error_t *err = &s->err;
    if (rc->chip && !(s->chip = sm_chip_load(rc->chip, err)))
        return -1;
    sm_cost_t cost;
    const sm_dist_opts_t *d = rc->dist;
    if (sm_limits_check_run(net, net->ticks,
                            s->chip ? s->chip->limits.neurons : rc->opts->neurons_per_core,
                            s->chip && !rc->mapping, d && d->listen ? d->workers : 1,
                            (double)s->in.B, rc->out_dir, rc->limits, &cost, err)) {
        sm_error_prefix(err, "%s: ", s->model);
        return -1;
    }
    if (s->chip && s->chip->arith == SM_ARITH_FIXED) {
        if (sm_quantise(net, s->chip, &s->qrep, err))
            return -1;
        s->quantised = true;
    }
    if (sm_run_place(net, s->chip, rc->mapping, rc->strategy, rc->map_seed, NULL, &s->map_rep,
                     &s->map, err))
        return -1;
    rc->opts->mapping = s->map;
    if (s->chip) {
        sm_energy_tick_ns(s->chip, s->tick_ns);
        rc->opts->tick_ns = s->tick_ns;
    }
    return 0;
}

static int s_load(s_run_t *s)
{
    const sm_nir_run_opts_t *nr = s->nr;
    sm_error_t *err = &s->err;
    if (!nr->input)
        return sm_fail(err, SM_EINVAL, "%s: a NIR run needs --input X.npy (the spikes that drive "
                       "its Input node)", s->model);
    if (!(s->nn = sm_nir_net_load(s->model, nr->conventions, nr->flavor, err)))
        return -1;
    /* A .npy tensor, or NIR's own data format (an HDF5 file). */
    if (sm_nir_data_is_hdf5(nr->input))
        s->x = sm_nir_data_load(nr->input, s->nn->graph->nodes[s->nn->input_node].name, s->nn->dt,
                                err);
    else
        s->x = sm_npy_load(nr->input, err);
    if (!s->x || sm_nir_input_check(s->nn, s->x, nr->input, &s->in, err))
        return -1;
    sm_net_t *net = s->nn->net;
    uint32_t ticks = s->rc->opts->ticks ? s->rc->opts->ticks : (uint32_t)s->in.T;
    if (s->in.T > UINT32_MAX)
        return sm_fail(err, SM_ETOOBIG, "%s: %llu steps", nr->input, (unsigned long long)s->in.T);
    net->ticks = ticks;
    if (nr->record_v && sm_nir_net_probe_all(s->nn, err))
        return -1;
    int32_t ol = s->nn->output_layer;
    for (uint32_t l = 0; l < s->nn->n_layers; l++)
        net->pops[s->nn->layers[l].pop].record_spikes =
            nr->record_spikes == SM_NIR_REC_ALL ||
            (nr->record_spikes == SM_NIR_REC_OUTPUT && (int32_t)l == ol);
    net->pops[s->nn->input_pop].record_spikes = nr->record_spikes == SM_NIR_REC_ALL;
    if (nr->labels) {
        if (ol < 0 || !s->nn->layers[ol].spikes)
            return sm_fail(err, SM_EINVAL, "--labels: %s has no spiking layer before its Output "
                           "node to count", s->model);
        uint32_t classes = net->pops[s->nn->layers[ol].pop].size;
        if (!(s->labels = s_labels(nr->labels, s->in.B, classes, err)))
            return -1;
    }
    return s_place(s);
}

static int s_open_streams(s_run_t *s)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/spikes.csv", s->rc->out_dir);
    if (sm_out_open(&s->fs, path, &s->err))
        return -1;
    s->fs_open = true;
    fputs("sample,tick,population,index\n", s->fs.f);
    snprintf(path, sizeof path, "%s/traces.csv", s->rc->out_dir);
    if (sm_out_open(&s->ft, path, &s->err))
        return -1;
    s->ft_open = true;
    fputs("sample,tick,population,index,v,syn_exc,syn_inh\n", s->ft.f);
    return 0;
}

/* What each sample writes: its rows of a batch's streams, or the files of a
 * JSON run for a single sample; check.py's file for sample 0. */
static int s_on_sample(void *ctx, const sm_result_t *r, uint64_t b, sm_error_t *err)
{
    s_run_t *s = ctx;
    const sm_nir_run_ctx_t *rc = s->rc;
    sm_net_t *net = s->nn->net;
    if (sm_limits_check_spikes(net, r, rc->limits, err))
        return -1;
    if (b == 0 && s->nr->output && s_write_check(s->nr->output, s->nn, r, err))
        return -1;
    if (s->in.B > 1) {
        s_write_sample(s->fs.f, s->ft.f, net, r, b);
        return 0;
    }
    /* One sample: the files of a JSON run, byte for byte. */
    cJSON *stats = sm_report_stats(net, r, rc->opts->dense);
    int rcode = stats ? sm_report_write_all(net, r, stats, rc->out_dir, err)
                      : sm_fail(err, SM_ENOMEM, "out of memory");
    cJSON_Delete(stats);
    return rcode;
}

static int s_samples(s_run_t *s)
{
    const sm_nir_run_ctx_t *rc = s->rc;
    if (sm_mkdirs(rc->out_dir, &s->err) || (s->in.B > 1 && s_open_streams(s)))
        return -1;
    const sm_nir_batch_opts_t bo = {.dist = rc->dist, .on_sample = s_on_sample, .ctx = s};
    return sm_nir_batch_run(s->nn, &s->in, rc->opts, &bo, &s->batch, &s->err);
}

static int s_finish(s_run_t *s, sm_energy_t *energy, bool *have_energy)
{
    const sm_nir_run_ctx_t *rc = s->rc;
    sm_net_t *net = s->nn->net;
    char path[4200];
    cJSON *stats = sm_report_stats(net, s->batch.all, rc->opts->dense);
    if (!stats)
        return sm_fail(&s->err, SM_ENOMEM, "out of memory");
    if (s->quantised)
        sm_qreport_to_json(net, &s->qrep, stats);
    if (s->chip) {
        if (sm_energy_compute(s->chip, s->batch.all, energy, &s->err)) {
            cJSON_Delete(stats);
            sm_error_prefix(&s->err, "energy report: ");
            return -1;
        }
        *have_energy = true;
        sm_energy_to_json(energy, stats);
        if (energy->warning[0])
            fprintf(stderr, "spikemesh run: WARNING: %s\n", energy->warning);
        sm_map_report_to_json(&s->map_rep, stats);
    }
    if (sm_nir_batch_stats(s->nn, &s->batch, s->model, s->labels, stats)) {
        cJSON_Delete(stats);
        return sm_fail(&s->err, SM_ENOMEM, "out of memory");
    }
    char *json = cJSON_Print(stats);
    cJSON_Delete(stats);
    if (!json)
        return sm_fail(&s->err, SM_ENOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/stats.json", rc->out_dir);
    size_t n = strlen(json);
    char *text = realloc(json, n + 2);
    if (!text) {
        free(json);
        return sm_fail(&s->err, SM_ENOMEM, "out of memory");
    }
    text[n] = '\n';
    text[n + 1] = '\0';
    int r = sm_write_file(path, text, &s->err);
    free(text);
    if (r)
        return -1;
    /* The whole batch's series, samples end to end as its spikes. */
    const sm_chip_t *chip = *have_energy ? s->chip : NULL;
    if (sm_limits_check_output(sm_ticks_csv_bytes(s->batch.all, chip != NULL), "ticks.csv",
                               rc->out_dir, rc->limits, &s->err) ||
        sm_ticks_write(chip, chip ? energy : NULL, s->batch.all, rc->out_dir, &s->err))
        return -1;
    if (s->fs_open) {
        s->fs_open = false;
        if (sm_out_commit(&s->fs, &s->err))
            return -1;
    }
    if (s->ft_open) {
        s->ft_open = false;
        if (sm_out_commit(&s->ft, &s->err))
            return -1;
    }
    snprintf(path, sizeof path, "%s/INCOMPLETE", rc->out_dir);
    unlink(path);
    return 0;
}

static void s_summary(const s_run_t *s, const sm_energy_t *energy, bool have_energy)
{
    const sm_net_t *net = s->nn->net;
    const sm_nir_batch_t *b = &s->batch;
    if (s->in.B > 1)
        printf("spikemesh: %llu samples of %u ticks, %.3f s, %.1f samples/s\n",
               (unsigned long long)s->in.B, net->ticks, b->seconds,
               b->seconds > 0 ? (double)s->in.B / b->seconds : 0.0);
    sm_report_summary(stdout, net, b->all, s->rc->opts->dense);
    if (s->quantised)
        sm_qreport_print(stdout, net, &s->qrep);
    if (have_energy)
        sm_energy_print(stdout, energy);
    if (s->labels && b->pred) {
        uint64_t correct = 0;
        for (uint64_t i = 0; i < s->in.B; i++)
            correct += (uint64_t)s->labels[i] == b->pred[i];
        printf("  accuracy %.4f (%llu of %llu samples)\n", (double)correct / (double)s->in.B,
               (unsigned long long)correct, (unsigned long long)s->in.B);
    }
    printf("  wrote %s/spikes.csv, traces.csv, stats.json, ticks.csv%s%s\n", s->rc->out_dir,
           s->nr->output ? ", " : "", s->nr->output ? s->nr->output : "");
}

int sm_nir_run(const sm_nir_run_opts_t *nr, const char *model_path, const sm_nir_run_ctx_t *rc)
{
    s_run_t s;
    memset(&s, 0, sizeof s);
    s.nr = nr;
    s.rc = rc;
    s.model = model_path;
    sm_error_clear(&s.err);
    /* The dense engine steps every neuron every tick as the libraries do, so
     * membranes come out bit for bit; the event engine's closed forms agree
     * to about 1e-7. */
    if (!rc->engine_given)
        rc->opts->dense = 1;
    int status = 2;
    if (s_load(&s))
        goto out;
    status = 1;
    if (s_samples(&s))
        goto out;
    sm_energy_t energy;
    bool have_energy = false;
    if (s_finish(&s, &energy, &have_energy))
        goto out;
    if (!rc->quiet)
        s_summary(&s, &energy, have_energy);
    if (have_energy)
        sm_energy_fini(&energy);
    status = 0;
out:
    if (status)
        fprintf(stderr, "spikemesh run: %s\n", s.err.msg);
    s_run_fini(&s);
    /* Bad input found while running (a MultiSpike count beyond the limit)
     * is bad input still, as for a network file. */
    return status == 1 && (s.err.code == SM_EINVAL || s.err.code == SM_EPARSE ||
                           s.err.code == SM_ETOOBIG)
               ? 2
               : status;
}
