/* runrates: per-neuron spike rates from a run directory. */
#include "runrates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "json.h"

/* stats.json: the tick count and which populations were recorded; the
 * populations must be the network's, in its order. */
static int s_stats(const sm_net_t *net, const char *path, uint32_t *ticks, uint8_t *recorded,
                   sm_error_t *err)
{
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return -1;
    const sm_json_t cx = {path, err};
    const cJSON *pops = NULL;
    int rc = -1;
    if (sm_json_get_u32(&cx, doc, "", "ticks", SM_JSON_REQUIRED, 1, UINT32_MAX, ticks) < 0 ||
        sm_json_get_array(&cx, doc, "", "populations", SM_JSON_REQUIRED, 0, SIZE_MAX, &pops) < 0)
        goto out;
    if ((uint32_t)cJSON_GetArraySize(pops) != net->n_pops) {
        sm_json_fail(&cx, SM_EINVAL, "populations", NULL,
                     "the run has %d populations, the network %u: not a run of this network",
                     cJSON_GetArraySize(pops), net->n_pops);
        goto out;
    }
    uint32_t i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, pops) {
        char at[SM_JSON_PATH];
        sm_json_at(at, "populations[%u]", i);
        const char *name;
        uint32_t size;
        bool rec = true;
        if (sm_json_get_str(&cx, p, at, "name", SM_JSON_REQUIRED, &name) < 0 ||
            sm_json_get_u32(&cx, p, at, "size", SM_JSON_REQUIRED, 0, UINT32_MAX, &size) < 0 ||
            sm_json_get_bool(&cx, p, at, "recorded", SM_JSON_OPTIONAL, &rec) < 0)
            goto out;
        const sm_pop_t *np = &net->pops[i];
        if (strcmp(name, np->name) || size != np->size) {
            sm_json_fail(&cx, SM_EINVAL, at, NULL,
                         "is '%s' of %u neurons, the network's population %u is '%s' of %u: not "
                         "a run of this network", name, size, i, np->name, np->size);
            goto out;
        }
        recorded[i++] = rec;
    }
    rc = 0;
out:
    cJSON_Delete(doc);
    return rc;
}

/* One row "tick,population,index" into *pop and *index; 0, or -1 if the
 * row is not one. */
static int s_row(const sm_net_t *net, char *line, uint32_t *pop, uint32_t *index)
{
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2)
        return -1;
    *c2 = '\0';
    int p = sm_net_find_pop(net, c1 + 1);
    char *end;
    unsigned long v = strtoul(c2 + 1, &end, 10);
    while (*end == '\r' || *end == '\n')
        end++;
    if (p < 0 || *end || c2[1] < '0' || c2[1] > '9' || v >= net->pops[p].size)
        return -1;
    *pop = (uint32_t)p;
    *index = (uint32_t)v;
    return 0;
}

double *sm_rates_from_run(const sm_net_t *net, const char *dir, uint32_t *n_unmeasured,
                          sm_error_t *err)
{
    size_t dl = strlen(dir);
    char *path = malloc(dl + 16);
    uint8_t *recorded = calloc(net->n_pops ? net->n_pops : 1, 1);
    double *rates = calloc(net->n_neurons ? net->n_neurons : 1, sizeof *rates);
    char *line = NULL;
    size_t cap = 0;
    FILE *f = NULL;
    uint32_t ticks = 0;
    if (!path || !recorded || !rates) {
        sm_fail(err, SM_ENOMEM, "out of memory reading the rates of %s", dir);
        goto fail;
    }
    snprintf(path, dl + 16, "%s/stats.json", dir);
    if (s_stats(net, path, &ticks, recorded, err) < 0)
        goto fail;
    snprintf(path, dl + 16, "%s/spikes.csv", dir);
    if (!(f = sm_infile_open(path, err)))
        goto fail;
    uint64_t lineno = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        if (lineno == 1 && !strncmp(line, "tick,population,index", 21))
            continue;
        uint32_t p, i;
        if (s_row(net, line, &p, &i) < 0) {
            sm_fail(err, SM_EPARSE, "%s:%llu: expected tick,population,index naming a neuron of "
                    "the network", path, (unsigned long long)lineno);
            goto fail;
        }
        rates[net->pops[p].first + i] += 1;
    }
    if (ferror(f)) {
        sm_fail(err, SM_EIO, "%s: read error", path);
        goto fail;
    }
    uint32_t unmeasured = 0;
    for (uint32_t p = 0; p < net->n_pops; p++)
        for (uint32_t i = 0; i < net->pops[p].size; i++) {
            double *r = &rates[net->pops[p].first + i];
            if (recorded[p]) {
                *r /= ticks;
            } else {
                *r = NAN;
                unmeasured++;
            }
        }
    if (n_unmeasured)
        *n_unmeasured = unmeasured;
    fclose(f);
    free(line);
    free(path);
    free(recorded);
    return rates;
fail:
    if (f)
        fclose(f);
    free(line);
    free(path);
    free(recorded);
    free(rates);
    return NULL;
}
