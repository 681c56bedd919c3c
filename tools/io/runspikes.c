/* runspikes: a run's spikes read back from its directory (runspikes.h). */
#include "runspikes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "json.h"

/* stats.json: ticks, dt, the populations; a NIR run's samples and
 * predictions. */
static int s_stats(sm_runspikes_t *rs, const char *path, sm_error_t *err)
{
    if (!(rs->stats = sm_json_read(path, SM_JSON_MAX_BYTES, err)))
        return -1;
    const sm_json_t cx = {path, err};
    const cJSON *doc = rs->stats, *pops = NULL, *nir = NULL;
    size_t n;
    if (sm_json_get_u32(&cx, doc, "", "ticks", SM_JSON_REQUIRED, 1, UINT32_MAX, &rs->ticks) < 0 ||
        sm_json_get_num(&cx, doc, "", "dt_ms", SM_JSON_REQUIRED, NULL, &rs->dt_ms) < 0 ||
        sm_json_get_array(&cx, doc, "", "populations", SM_JSON_REQUIRED, 0, UINT32_MAX, &pops) < 0 ||
        sm_json_get_object(&cx, doc, "", "nir", SM_JSON_OPTIONAL, &nir) < 0)
        return -1;
    n = (size_t)cJSON_GetArraySize(pops);
    if (!(rs->pops = calloc(n + 1, sizeof *rs->pops)))
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
    const cJSON *p;
    cJSON_ArrayForEach(p, pops) {
        char at[SM_JSON_PATH];
        sm_json_at(at, "populations[%u]", rs->n_pops);
        sm_runpop_t *q = &rs->pops[rs->n_pops];
        const char *name;
        q->recorded = true;
        if (sm_json_get_str(&cx, p, at, "name", SM_JSON_REQUIRED, &name) < 0 ||
            sm_json_get_u32(&cx, p, at, "size", SM_JSON_REQUIRED, 0, UINT32_MAX, &q->size) < 0 ||
            sm_json_get_bool(&cx, p, at, "recorded", SM_JSON_OPTIONAL, &q->recorded) < 0)
            return -1;
        if (strlen(name) >= sizeof q->name)
            return sm_json_fail(&cx, SM_EINVAL, at, NULL, "name longer than %zu bytes",
                                sizeof q->name - 1);
        snprintf(q->name, sizeof q->name, "%s", name);
        rs->n_pops++;
    }
    rs->samples = 1;
    rs->ticks_per_sample = rs->ticks;
    if (!nir)
        return 0;
    if (sm_json_get_u64(&cx, nir, "nir", "samples", SM_JSON_REQUIRED, 1, UINT32_MAX, &rs->samples) < 0 ||
        sm_json_get_u32(&cx, nir, "nir", "ticks_per_sample", SM_JSON_REQUIRED, 1, UINT32_MAX,
                        &rs->ticks_per_sample) < 0)
        return -1;
    if ((uint64_t)rs->ticks_per_sample * rs->samples != rs->ticks)
        return sm_json_fail(&cx, SM_EINVAL, "nir", NULL, "%llu samples of %u ticks are not the "
                            "run's %u ticks", (unsigned long long)rs->samples,
                            rs->ticks_per_sample, rs->ticks);
    const cJSON *pred = NULL;
    if (sm_json_get_array(&cx, nir, "nir", "predictions", SM_JSON_OPTIONAL, rs->samples,
                          rs->samples, &pred) < 0)
        return -1;
    if (pred) {
        if (!(rs->predictions = calloc(rs->samples, sizeof *rs->predictions)))
            return sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        uint32_t b = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, pred) {
            char at[SM_JSON_PATH];
            if (sm_json_u32(&cx, v, sm_json_at(at, "nir.predictions[%u]", b), 0, UINT32_MAX,
                            &rs->predictions[b]) < 0)
                return -1;
            b++;
        }
    }
    int got = sm_json_get_u64(&cx, nir, "nir", "correct", SM_JSON_OPTIONAL, 0, rs->samples,
                              &rs->correct);
    if (got < 0)
        return -1;
    if (got) {
        rs->labelled = true;
        rs->accuracy = (double)rs->correct / (double)rs->samples;
    }
    return 0;
}

/* The population named name: the previous row's, most often. */
static int s_find(const sm_runspikes_t *rs, const char *name, uint32_t *last)
{
    if (*last < rs->n_pops && !strcmp(rs->pops[*last].name, name))
        return (int)*last;
    for (uint32_t p = 0; p < rs->n_pops; p++)
        if (!strcmp(rs->pops[p].name, name)) {
            *last = p;
            return (int)p;
        }
    return -1;
}

static int s_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* One row, "tick,population,index" or with the sample first. */
static int s_row(sm_runspikes_t *rs, char *line, bool sampled, uint32_t *last, sm_runspike_t *sp)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    char *f[4];
    int k = 0;
    f[k++] = line;
    for (char *c = line; *c && k < 4; c++)
        if (*c == ',') {
            *c = '\0';
            f[k++] = c + 1;
        }
    const int want = sampled ? 4 : 3;
    if (k != want || strchr(f[want - 1], ','))
        return -1;
    uint64_t sample = 0, tick, index;
    if ((sampled && s_uint(f[0], rs->samples - 1, &sample)) ||
        s_uint(f[want - 3], rs->ticks_per_sample - 1, &tick))
        return -1;
    int p = s_find(rs, f[want - 2], last);
    if (p < 0 || s_uint(f[want - 1], rs->pops[p].size ? rs->pops[p].size - 1 : 0, &index) ||
        !rs->pops[p].size)
        return -1;
    sp->t = sample * rs->ticks_per_sample + tick;
    sp->pop = (uint32_t)p;
    sp->index = (uint32_t)index;
    return 0;
}

static int s_cmp(const void *a, const void *b)
{
    const sm_runspike_t *x = a, *y = b;
    if (x->pop != y->pop)
        return x->pop < y->pop ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int s_spikes(sm_runspikes_t *rs, const char *path, sm_error_t *err)
{
    FILE *f = sm_infile_open(path, err);
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0, room = 0;
    uint64_t lineno = 0;
    uint32_t last = 0;
    bool sampled = false;
    int rc = -1;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        if (lineno == 1) {
            sampled = !strncmp(line, "sample,tick,population,index", 28);
            if (!sampled && strncmp(line, "tick,population,index", 21)) {
                sm_fail(err, SM_EPARSE, "%s:1: expected the header tick,population,index (or "
                        "sample,tick,population,index)", path);
                goto out;
            }
            continue;
        }
        if (rs->n_spikes == room) {
            size_t nr = room ? 2 * room : 4096;
            sm_runspike_t *s = realloc(rs->spikes, nr * sizeof *s);
            if (!s) {
                sm_fail(err, SM_ENOMEM, "%s: out of memory at line %llu", path,
                        (unsigned long long)lineno);
                goto out;
            }
            rs->spikes = s;
            room = nr;
        }
        if (s_row(rs, line, sampled, &last, &rs->spikes[rs->n_spikes]) < 0) {
            sm_fail(err, SM_EPARSE, "%s:%llu: expected %s naming a neuron of a population in "
                    "stats.json, within its ticks", path, (unsigned long long)lineno,
                    sampled ? "sample,tick,population,index" : "tick,population,index");
            goto out;
        }
        if (!rs->pops[rs->spikes[rs->n_spikes].pop].recorded) {
            sm_fail(err, SM_EPARSE, "%s:%llu: a spike of population '%s', which stats.json says "
                    "was not recorded", path, (unsigned long long)lineno,
                    rs->pops[rs->spikes[rs->n_spikes].pop].name);
            goto out;
        }
        rs->n_spikes++;
    }
    if (ferror(f)) {
        sm_fail(err, SM_EIO, "%s: read error", path);
        goto out;
    }
    if (lineno == 0) {
        sm_fail(err, SM_EPARSE, "%s: empty (not even a header)", path);
        goto out;
    }
    if (rs->n_spikes)
        qsort(rs->spikes, rs->n_spikes, sizeof *rs->spikes, s_cmp);
    rc = 0;
out:
    free(line);
    fclose(f);
    return rc;
}

sm_runspikes_t *sm_runspikes_read(const char *dir, sm_error_t *err)
{
    sm_runspikes_t *rs = calloc(1, sizeof *rs);
    size_t dl = strlen(dir);
    char *path = malloc(dl + 16);
    if (!rs || !path) {
        free(rs);
        free(path);
        sm_fail(err, SM_ENOMEM, "out of memory reading the run in %s", dir);
        return NULL;
    }
    snprintf(path, dl + 16, "%s/stats.json", dir);
    int bad = s_stats(rs, path, err);
    if (!bad) {
        snprintf(path, dl + 16, "%s/spikes.csv", dir);
        bad = s_spikes(rs, path, err);
    }
    free(path);
    if (bad)
        sm_runspikes_destroy(&rs);
    return rs;
}

void sm_runspikes_destroy(sm_runspikes_t **rs_p)
{
    sm_runspikes_t *rs = rs_p ? *rs_p : NULL;
    if (!rs)
        return;
    cJSON_Delete(rs->stats);
    free(rs->pops);
    free(rs->spikes);
    free(rs->predictions);
    free(rs);
    *rs_p = NULL;
}
