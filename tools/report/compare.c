/* compare: two runs of one network, spike for spike (compare.h). */
#include "compare.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int s_same_network(const sm_runspikes_t *a, const sm_runspikes_t *b, sm_error_t *err)
{
    if (a->n_pops != b->n_pops)
        return sm_fail(err, SM_EINVAL, "the runs have %u and %u populations: not runs of one "
                       "network", a->n_pops, b->n_pops);
    for (uint32_t p = 0; p < a->n_pops; p++)
        if (strcmp(a->pops[p].name, b->pops[p].name) || a->pops[p].size != b->pops[p].size)
            return sm_fail(err, SM_EINVAL, "population %u is '%s' of %u neurons in one run, '%s' "
                           "of %u in the other: not runs of one network", p, a->pops[p].name,
                           a->pops[p].size, b->pops[p].name, b->pops[p].size);
    if (a->ticks != b->ticks || a->samples != b->samples || a->dt_ms != b->dt_ms)
        return sm_fail(err, SM_EINVAL, "the runs last %u and %u ticks (%llu and %llu samples, dt "
                       "%g and %g ms): not comparable", a->ticks, b->ticks,
                       (unsigned long long)a->samples, (unsigned long long)b->samples, a->dt_ms,
                       b->dt_ms);
    return 0;
}

/* The spikes of population p: [*lo, *hi) of the sorted list. */
static void s_range(const sm_runspikes_t *r, uint32_t p, size_t *at, size_t *lo, size_t *hi)
{
    while (*at < r->n_spikes && r->spikes[*at].pop < p)
        (*at)++;
    *lo = *at;
    while (*at < r->n_spikes && r->spikes[*at].pop == p)
        (*at)++;
    *hi = *at;
}

static int s_key(const sm_runspike_t *x, const sm_runspike_t *y)
{
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static void s_first(sm_cmp_stats_t *s, uint64_t t)
{
    if (!s->diverged || t < s->first_t)
        s->first_t = t;
    s->diverged = true;
}

/* One population: a merge of both sorted trains; diff[i] the count
 * difference of neuron i. */
static void s_pop(const sm_cmp_t *cmp, uint32_t p, size_t alo, size_t ahi, size_t blo, size_t bhi,
                  int64_t *diff, sm_cmp_stats_t *s)
{
    const sm_runspike_t *A = cmp->a->spikes, *B = cmp->b->spikes;
    const uint32_t n = cmp->a->pops[p].size;
    memset(diff, 0, (size_t)n * sizeof *diff);
    size_t i = alo, j = blo;
    while (i < ahi || j < bhi) {
        int c = i == ahi ? 1 : j == bhi ? -1 : s_key(&A[i], &B[j]);
        if (c == 0) {
            s->shared++;
            i++;
            j++;
        } else if (c < 0) {
            s->only_a++;
            s_first(s, A[i].t);
            diff[A[i++].index]++;
        } else {
            s->only_b++;
            s_first(s, B[j].t);
            diff[B[j++].index]--;
        }
    }
    s->spikes_a = ahi - alo;
    s->spikes_b = bhi - blo;
    double sum = 0.0;
    for (uint32_t k = 0; k < n; k++)
        sum += (double)llabs(diff[k]);
    const double sec = cmp->a->ticks * cmp->a->dt_ms * 1e-3;
    if (n && sec > 0) {
        s->rate_a_hz = (double)s->spikes_a / n / sec;
        s->rate_b_hz = (double)s->spikes_b / n / sec;
        s->neuron_rate_diff_hz = sum / n / sec;
    }
}

int sm_compare(const sm_runspikes_t *a, const sm_runspikes_t *b, sm_cmp_t *cmp, sm_error_t *err)
{
    memset(cmp, 0, sizeof *cmp);
    cmp->a = a;
    cmp->b = b;
    if (s_same_network(a, b, err))
        return -1;
    uint32_t most = 1;
    for (uint32_t p = 0; p < a->n_pops; p++)
        most = a->pops[p].size > most ? a->pops[p].size : most;
    int64_t *diff = malloc((size_t)most * sizeof *diff);
    cmp->pops = calloc(a->n_pops + 1, sizeof *cmp->pops);
    if (!diff || !cmp->pops) {
        free(diff);
        sm_compare_fini(cmp);
        return sm_fail(err, SM_ENOMEM, "out of memory comparing the runs");
    }
    size_t at_a = 0, at_b = 0;
    uint64_t neurons = 0;
    double rate_sum = 0.0;
    sm_cmp_stats_t *T = &cmp->total;
    for (uint32_t p = 0; p < a->n_pops; p++) {
        sm_cmp_pop_t *cp = &cmp->pops[cmp->n_pops++];
        cp->pop = p;
        size_t alo, ahi, blo, bhi;
        s_range(a, p, &at_a, &alo, &ahi);
        s_range(b, p, &at_b, &blo, &bhi);
        cp->recorded = a->pops[p].recorded && b->pops[p].recorded;
        if (!cp->recorded)
            continue;
        s_pop(cmp, p, alo, ahi, blo, bhi, diff, &cp->s);
        const sm_cmp_stats_t *s = &cp->s;
        T->spikes_a += s->spikes_a;
        T->spikes_b += s->spikes_b;
        T->shared += s->shared;
        T->only_a += s->only_a;
        T->only_b += s->only_b;
        if (s->diverged)
            s_first(T, s->first_t);
        neurons += a->pops[p].size;
        rate_sum += s->neuron_rate_diff_hz * a->pops[p].size;
    }
    free(diff);
    const double sec = a->ticks * a->dt_ms * 1e-3;
    if (neurons && sec > 0) {
        T->rate_a_hz = (double)T->spikes_a / (double)neurons / sec;
        T->rate_b_hz = (double)T->spikes_b / (double)neurons / sec;
        T->neuron_rate_diff_hz = rate_sum / (double)neurons;
    }
    if (a->predictions && b->predictions) {
        cmp->classified = true;
        for (uint64_t k = 0; k < a->samples; k++)
            cmp->agreeing += a->predictions[k] == b->predictions[k];
    }
    return 0;
}

void sm_compare_fini(sm_cmp_t *cmp)
{
    free(cmp->pops);
    memset(cmp, 0, sizeof *cmp);
}

/* ---- the report ---------------------------------------------------------- */

static void s_num(cJSON *o, const char *fmt, const char *name, double v)
{
    char key[96];
    snprintf(key, sizeof key, fmt, name);
    cJSON_AddNumberToObject(o, key, v);
}

void sm_compare_stats_to_json(const sm_cmp_t *cmp, const sm_cmp_stats_t *s, const char *na,
                              const char *nb, cJSON *o)
{
    const uint64_t dist = s->only_a + s->only_b, all = s->spikes_a + s->spikes_b;
    s_num(o, "spikes_%s", na, (double)s->spikes_a);
    s_num(o, "spikes_%s", nb, (double)s->spikes_b);
    cJSON_AddNumberToObject(o, "difference", (double)s->spikes_b - (double)s->spikes_a);
    if (s->spikes_a)
        cJSON_AddNumberToObject(o, "relative_difference",
                                ((double)s->spikes_b - (double)s->spikes_a) / (double)s->spikes_a);
    else
        cJSON_AddNullToObject(o, "relative_difference");
    cJSON_AddNumberToObject(o, "shared", (double)s->shared);
    s_num(o, "only_%s", na, (double)s->only_a);
    s_num(o, "only_%s", nb, (double)s->only_b);
    cJSON_AddNumberToObject(o, "distance", (double)dist);
    cJSON_AddNumberToObject(o, "normalised_distance", all ? (double)dist / (double)all : 0.0);
    s_num(o, "rate_%s_hz", na, s->rate_a_hz);
    s_num(o, "rate_%s_hz", nb, s->rate_b_hz);
    cJSON_AddNumberToObject(o, "rate_difference_hz", s->rate_b_hz - s->rate_a_hz);
    cJSON_AddNumberToObject(o, "mean_abs_neuron_rate_difference_hz", s->neuron_rate_diff_hz);
    const uint64_t T = cmp->a->ticks_per_sample;
    if (s->diverged)
        cJSON_AddNumberToObject(o, "first_divergence_tick", (double)(s->first_t % T));
    else
        cJSON_AddNullToObject(o, "first_divergence_tick");
    if (cmp->a->samples > 1) {
        if (s->diverged)
            cJSON_AddNumberToObject(o, "first_divergence_sample", (double)(s->first_t / T));
        else
            cJSON_AddNullToObject(o, "first_divergence_sample");
    }
}

static void s_when(char *buf, size_t cap, const sm_cmp_t *cmp, const sm_cmp_stats_t *s)
{
    const uint64_t T = cmp->a->ticks_per_sample;
    if (!s->diverged)
        snprintf(buf, cap, "never");
    else if (cmp->a->samples > 1)
        snprintf(buf, cap, "%llu of sample %llu", (unsigned long long)(s->first_t % T),
                 (unsigned long long)(s->first_t / T));
    else
        snprintf(buf, cap, "%llu", (unsigned long long)s->first_t);
}

static void s_line(FILE *f, const sm_cmp_t *cmp, const char *name, const sm_cmp_stats_t *s)
{
    char rel[32], of[32], when[64];
    if (s->spikes_a) {
        snprintf(rel, sizeof rel, "%+.1f%%",
                 100.0 * ((double)s->spikes_b - (double)s->spikes_a) / (double)s->spikes_a);
        snprintf(of, sizeof of, "%.1f%%", 100.0 * (double)s->shared / (double)s->spikes_a);
    } else {
        snprintf(rel, sizeof rel, "%s", s->spikes_b ? "new" : "-");
        snprintf(of, sizeof of, "-");
    }
    const uint64_t all = s->spikes_a + s->spikes_b, dist = s->only_a + s->only_b;
    s_when(when, sizeof when, cmp, s);
    fprintf(f, "  %-12s %9llu %9llu %+8lld %7s %9llu %6s %9llu %6.3f %9.3f  %s\n", name,
            (unsigned long long)s->spikes_a, (unsigned long long)s->spikes_b,
            (long long)s->spikes_b - (long long)s->spikes_a, rel, (unsigned long long)s->shared,
            of, (unsigned long long)dist, all ? (double)dist / (double)all : 0.0,
            s->neuron_rate_diff_hz, when);
}

/* Populations the table prints; compare.json has them all. */
#define S_PRINT_MAX 16

void sm_compare_print(FILE *f, const sm_cmp_t *cmp, const char *na, const char *nb)
{
    fprintf(f, "  %-12s %9s %9s %8s %7s %9s %6s %9s %6s %9s  %s\n", "population", na, nb, "diff",
            "rel", "shared", "of", "distance", "norm", "rate Hz", "first differs (tick)");
    uint32_t shown = 0;
    for (uint32_t k = 0; k < cmp->n_pops; k++) {
        const sm_cmp_pop_t *cp = &cmp->pops[k];
        if (shown == S_PRINT_MAX) {
            fprintf(f, "  ... %u more populations (compare.json)\n", cmp->n_pops - k);
            break;
        }
        shown++;
        if (!cp->recorded)
            fprintf(f, "  %-12s not recorded\n", cmp->a->pops[cp->pop].name);
        else
            s_line(f, cmp, cmp->a->pops[cp->pop].name, &cp->s);
    }
    s_line(f, cmp, "all", &cmp->total);
    fprintf(f, "  (shared: spikes on the same tick and neuron in both runs, of the %s run's; distance: "
               "spikes in one run only,\n   norm: of both runs' spikes; rate Hz: mean over neurons "
               "of |rate %s - rate %s|)\n", na, na, nb);
    if (cmp->classified) {
        const double B = (double)cmp->a->samples;
        if (cmp->a->labelled && cmp->b->labelled)
            fprintf(f, "  accuracy: %s %.4f (%llu), %s %.4f (%llu) of %llu samples; ", na,
                    cmp->a->accuracy, (unsigned long long)cmp->a->correct, nb, cmp->b->accuracy,
                    (unsigned long long)cmp->b->correct, (unsigned long long)cmp->a->samples);
        else
            fprintf(f, "  ");
        fprintf(f, "predictions agree on %llu of %llu samples (%.4f)\n",
                (unsigned long long)cmp->agreeing, (unsigned long long)cmp->a->samples,
                (double)cmp->agreeing / B);
    }
}
