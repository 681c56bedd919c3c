/* nir_batch: a NIR graph's samples one after another (see nir_batch.h). */
#include "nir_batch.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nir_side.h"

void sm_nir_batch_fini(sm_nir_batch_t *b)
{
    sm_result_destroy(&b->all);
    free(b->pred);
    memset(b, 0, sizeof *b);
}

/* Adds sample b's result to the whole run's. */
static int s_accumulate(sm_nir_batch_t *s, bool traces, const sm_result_t *r, uint64_t b,
                        sm_error_t *err)
{
    sm_result_t *a = s->all;
    size_t nc = (size_t)r->width * r->height;
    if (!a) {
        uint64_t ticks = (uint64_t)r->ticks * s->samples;
        if (ticks > UINT32_MAX)
            return sm_fail(err, SM_ETOOBIG, "%llu samples of %u ticks: too many ticks in all",
                           (unsigned long long)s->samples, r->ticks);
        uint32_t np = traces ? r->n_probes : 0;
        if (np && ticks * np * 3 > SIZE_MAX / sizeof(float))
            return sm_fail(err, SM_ETOOBIG, "%llu ticks of %u traced neurons: too many values",
                           (unsigned long long)ticks, np);
        if (!(a = s->all = sm_result_alloc((uint32_t)ticks, r->dt_ms, np, r->width, r->height)))
            return sm_fail(err, SM_ENOMEM, "out of memory for the results of %llu samples",
                           (unsigned long long)s->samples);
        a->threads = r->threads;
        a->workers = r->workers;
        if (r->tick_cnt && sm_result_alloc_ticks(a, r->tick_busy_ns != NULL))
            return sm_fail(err, SM_ENOMEM, "out of memory for the per-tick series of %llu "
                           "samples", (unsigned long long)s->samples);
    }
    if (a->tick_cnt && r->tick_cnt)
        memcpy(a->tick_cnt + (size_t)b * r->ticks * SM_TICK_N, r->tick_cnt,
               (size_t)r->ticks * SM_TICK_N * sizeof *a->tick_cnt);
    if (a->tick_busy_ns && r->tick_busy_ns)
        memcpy(a->tick_busy_ns + (size_t)b * r->ticks, r->tick_busy_ns,
               (size_t)r->ticks * sizeof *a->tick_busy_ns);
    for (size_t c = 0; c < nc; c++) {
        a->cores[c].neurons = r->cores[c].neurons;
        sm_counters_add(&a->cores[c].c, &r->cores[c].c);
    }
    for (uint32_t i = 0; i < r->n_links; i++) {
        const sm_link_stats_t *L = &r->links[i];
        int dx = (int)L->to_x - (int)L->from_x, dy = (int)L->to_y - (int)L->from_y;
        int d = dx == 1 ? 0 : dx == -1 ? 1 : dy == 1 ? 2 : 3;
        a->link_dense[((size_t)L->from_y * r->width + L->from_x) * SM_DIRS + d] += L->packets;
    }
    size_t at = a->n_spikes;
    if (r->n_spikes && sm_result_add_spikes(a, r->spikes, r->n_spikes))
        return sm_fail(err, SM_ENOMEM, "out of memory for spikes");
    for (size_t i = at; i < a->n_spikes; i++)
        a->spikes[i].tick += (uint32_t)(b * r->ticks);
    if (a->n_probes)
        memcpy(a->trace + (size_t)b * r->ticks * a->n_probes * 3, r->trace,
               (size_t)r->ticks * a->n_probes * 3 * sizeof *a->trace);
    a->wait_seconds += r->wait_seconds;
    return 0;
}

/* The output layer's spike counts over the sample, and their argmax. */
static void s_predict(sm_nir_batch_t *s, const sm_nir_net_t *nn, uint64_t *counts,
                      const sm_result_t *r, uint64_t b)
{
    const sm_pop_t *p = &nn->net->pops[nn->layers[nn->output_layer].pop];
    memset(counts, 0, p->size * sizeof *counts);
    for (size_t i = 0; i < r->n_spikes; i++) {
        uint32_t g = r->spikes[i].gid;
        if (g >= p->first && g < p->first + p->size)
            counts[g - p->first] += r->spikes[i].count;
    }
    uint32_t best = 0;
    for (uint32_t i = 1; i < p->size; i++)
        if (counts[i] > counts[best])
            best = i;
    s->pred[b] = best;
}

static int s_samples(sm_nir_net_t *nn, const sm_nir_input_t *in, const sm_run_opts_t *opts,
                     const sm_nir_batch_opts_t *bo, sm_nir_batch_t *s, uint64_t *counts,
                     sm_error_t *err)
{
    sm_net_t *net = nn->net;
    bool dist = bo->dist && bo->dist->workers;
    sm_engine_t *eng = NULL;
    if (!dist && !(eng = sm_engine_open(net, opts, err)))
        return -1;
    int rc = 0;
    for (uint64_t b = 0; !rc && b < in->B; b++) {
        /* Workers get the network anew per sample: its spike times change. */
        sm_result_t *r = NULL;
        rc = sm_nir_net_set_input(nn, in, b, net->ticks, err);
        if (!rc && !(r = dist ? sm_dist_run(net, opts, bo->dist, err) : sm_engine_rerun(eng, err)))
            rc = -1;
        if (!rc)
            rc = s_accumulate(s, bo->keep_traces, r, b, err);
        if (!rc && s->pred)
            s_predict(s, nn, counts, r, b);
        if (!rc && bo->on_sample)
            rc = bo->on_sample(bo->ctx, r, b, err);
        if (rc && in->B > 1)
            sm_error_prefix(err, "sample %llu: ", (unsigned long long)b);
        sm_result_destroy(&r);
    }
    sm_engine_close(&eng);
    return rc;
}

int sm_nir_batch_run(sm_nir_net_t *nn, const sm_nir_input_t *in, const sm_run_opts_t *opts,
                     const sm_nir_batch_opts_t *bo, sm_nir_batch_t *out, sm_error_t *err)
{
    static const sm_nir_batch_opts_t none;
    if (!bo)
        bo = &none;
    memset(out, 0, sizeof *out);
    out->samples = in->B;
    out->ticks = nn->net->ticks;
    uint64_t *counts = NULL;
    int32_t ol = nn->output_layer;
    if (ol >= 0 && nn->layers[ol].spikes) {
        uint32_t n = nn->net->pops[nn->layers[ol].pop].size;
        out->pred = calloc(in->B ? in->B : 1, sizeof *out->pred);
        counts = calloc(n ? n : 1, sizeof *counts);
        if (!out->pred || !counts) {
            free(counts);
            sm_nir_batch_fini(out);
            return sm_fail(err, SM_ENOMEM, "out of memory for %llu predictions",
                           (unsigned long long)in->B);
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = s_samples(nn, in, opts, bo, out, counts, err);
    free(counts);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (!rc) {
        out->all->wall_seconds = out->seconds;
        rc = sm_result_finish(out->all, err);
    }
    if (rc)
        sm_nir_batch_fini(out);
    return rc;
}

static cJSON *s_confusion(const sm_nir_batch_t *b, const int64_t *labels, uint32_t K,
                          cJSON *o)
{
    uint64_t *conf = calloc((size_t)K * K + 1, sizeof *conf), correct = 0;
    if (!conf)
        return NULL;
    for (uint64_t i = 0; i < b->samples; i++) {
        conf[(size_t)labels[i] * K + b->pred[i]]++;
        correct += (uint64_t)labels[i] == b->pred[i];
    }
    cJSON_AddNumberToObject(o, "correct", (double)correct);
    cJSON_AddNumberToObject(o, "accuracy", (double)correct / (double)b->samples);
    cJSON *cm = cJSON_AddArrayToObject(o, "confusion");
    for (uint32_t i = 0; cm && i < K; i++) {
        cJSON *row = cJSON_CreateArray();
        for (uint32_t j = 0; j < K; j++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)conf[(size_t)i * K + j]));
        cJSON_AddItemToArray(cm, row);
    }
    free(conf);
    return cm;
}

int sm_nir_batch_stats(const sm_nir_net_t *nn, const sm_nir_batch_t *b, const char *model,
                       const int64_t *labels, cJSON *doc)
{
    const sm_net_t *net = nn->net;
    cJSON *o = cJSON_AddObjectToObject(doc, "nir");
    if (!o)
        return -1;
    cJSON_AddStringToObject(o, "file", model);
    cJSON_AddStringToObject(o, "flavor", sm_nir_flavor_name(nn->flavor));
    cJSON_AddNumberToObject(o, "dt", nn->dt);
    cJSON_AddNumberToObject(o, "samples", (double)b->samples);
    cJSON_AddNumberToObject(o, "ticks_per_sample", b->ticks);
    cJSON_AddNumberToObject(o, "seconds", b->seconds);
    cJSON_AddNumberToObject(o, "samples_per_second",
                            b->seconds > 0 ? (double)b->samples / b->seconds : 0);
    if (nn->output_layer >= 0)
        cJSON_AddStringToObject(o, "output_layer", net->pops[nn->layers[nn->output_layer].pop].name);
    cJSON *pj = cJSON_AddArrayToObject(o, "projections");
    uint64_t stored = 0, syn = 0;
    for (uint32_t i = 0; pj && i < nn->n_projs; i++) {
        const sm_nir_proj_t *p = &nn->projs[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "via", p->via);
        cJSON_AddStringToObject(e, "as", p->how);
        cJSON_AddNumberToObject(e, "weights_stored", (double)p->stored);
        cJSON_AddNumberToObject(e, "synapses", (double)p->synapses);
        cJSON_AddItemToArray(pj, e);
        stored += p->stored;
        syn += p->synapses;
    }
    cJSON_AddNumberToObject(o, "weights_stored", (double)stored);
    cJSON_AddNumberToObject(o, "synapses", (double)syn);
    if (b->pred) {
        cJSON *pr = cJSON_AddArrayToObject(o, "predictions");
        for (uint64_t i = 0; pr && i < b->samples; i++)
            cJSON_AddItemToArray(pr, cJSON_CreateNumber(b->pred[i]));
        if (labels &&
            !s_confusion(b, labels, net->pops[nn->layers[nn->output_layer].pop].size, o))
            return -1;
    }
    return pj ? 0 : -1;
}
