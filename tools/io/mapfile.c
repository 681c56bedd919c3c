/* mapfile: mapping files (JSON), written atomically and read back strictly. */
#include "mapfile.h"
#include "json.h"
#include "output.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void s_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

int sm_mapping_save(const sm_mapping_t *m, const sm_net_t *net, const char *chip,
                    const char *strategy, uint64_t seed, const char *path, sm_error_t *err)
{
    /* Atomic and safe as every output (tools/io/output.h): a temporary in a
     * private directory, renamed over path when complete. */
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    FILE *f = o.f;
    fprintf(f, "{\"format\": \"spikemesh-mapping\", \"version\": 1, \"chip\": ");
    s_json_str(f, chip ? chip : "");
    fprintf(f, ", \"strategy\": ");
    s_json_str(f, strategy ? strategy : "");
    fprintf(f, ", \"seed\": %llu,\n \"width\": %u, \"height\": %u, \"n_gids\": %u,\n",
            (unsigned long long)seed, m->width, m->height, m->n_gids);
    fprintf(f, " \"populations\": [");
    for (uint32_t p = 0; net && p < net->n_pops; p++) {
        fprintf(f, "%s\n  {\"name\": ", p ? "," : "");
        s_json_str(f, net->pops[p].name);
        fprintf(f, ", \"first\": %u, \"size\": %u}", net->pops[p].first, net->pops[p].size);
    }
    fprintf(f, "],\n \"cores\": [");
    for (uint32_t v = 0; v < m->n_gids; v++)
        fprintf(f, "%s%u", v == 0 ? "" : (v % 32 ? "," : ",\n  "), m->core_of[v]);
    fprintf(f, "]}\n");
    return sm_out_commit(&o, err);
}

sm_mapping_t *sm_mapping_load(const char *path, const sm_net_t *net, sm_error_t *err)
{
    static const char *const keys[] = {"format", "version", "chip", "strategy", "seed", "width",
                                       "height", "n_gids", "populations", "cores", NULL};
    static const char *const formats[] = {"spikemesh-mapping", NULL};
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return NULL;
    const sm_json_t j = {path, err};
    sm_mapping_t *m = NULL;
    const cJSON *pops = NULL, *cores;
    uint32_t w, h, n;
    int fmt;
    if (sm_json_keys(&j, doc, "", keys, NULL, NULL) < 0 ||
        sm_json_get_enum(&j, doc, "", "format", SM_JSON_REQUIRED, formats, &fmt) < 0 ||
        sm_json_get_u32(&j, doc, "", "width", SM_JSON_REQUIRED, 0, UINT32_MAX, &w) < 0 ||
        sm_json_get_u32(&j, doc, "", "height", SM_JSON_REQUIRED, 0, UINT32_MAX, &h) < 0 ||
        sm_json_get_u32(&j, doc, "", "n_gids", SM_JSON_REQUIRED, 0, UINT32_MAX, &n) < 0)
        goto out;
    if (w == 0 || h == 0 || (uint64_t)w * h > (1u << 24)) {
        sm_fail(err, SM_ERANGE, "%s: width x height: %u x %u is not a usable grid", path, w, h);
        goto out;
    }
    if (n != net->n_neurons) {
        sm_fail(err, SM_EINVAL, "%s: n_gids: %u, but the network has %u neurons", path, n,
                net->n_neurons);
        goto out;
    }
    if (sm_json_get_array(&j, doc, "", "populations", SM_JSON_OPTIONAL, 0, SIZE_MAX, &pops) < 0)
        goto out;
    if (pops && pops->child) {
        if ((uint32_t)cJSON_GetArraySize(pops) != net->n_pops) {
            sm_fail(err, SM_EINVAL, "%s: populations: %d listed, the network has %u", path,
                    cJSON_GetArraySize(pops), net->n_pops);
            goto out;
        }
        uint32_t p = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, pops) {
            const cJSON *nm = sm_json_get(it, "name", SM_JSON_OPTIONAL);
            const cJSON *sz = sm_json_get(it, "size", SM_JSON_OPTIONAL);
            if (!cJSON_IsString(nm) || strcmp(nm->valuestring, net->pops[p].name) != 0 ||
                !cJSON_IsNumber(sz) || sz->valuedouble != net->pops[p].size) {
                sm_fail(err, SM_EINVAL, "%s: populations[%u]: does not match the network's "
                        "population '%s' of %u neurons", path, p, net->pops[p].name,
                        net->pops[p].size);
                goto out;
            }
            p++;
        }
    }
    if (sm_json_get_array(&j, doc, "", "cores", SM_JSON_REQUIRED, n, n, &cores) < 0)
        goto out;
    m = sm_mapping_new(w, h, n, err);
    if (!m)
        goto out;
    uint32_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cores) {
        char p[SM_JSON_PATH];
        if (sm_json_u32(&j, it, sm_json_at(p, "cores[%u]", i), 0, w * h - 1, &m->core_of[i]) < 0) {
            sm_mapping_destroy(&m);
            goto out;
        }
        i++;
    }
out:
    cJSON_Delete(doc);
    return m;
}
