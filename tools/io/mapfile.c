/* mapfile: mapping files (JSON), written atomically and read back strictly. */
#include "mapfile.h"
#include "csv.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
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
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp)
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int rc = sm_fail(err, SM_EIO, "%s: cannot write: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
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
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        int rc = sm_fail(err, SM_EIO, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return 0;
}

static int s_get_u32(const cJSON *doc, const char *key, const char *path, uint32_t *out,
                     sm_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
        v->valuedouble != floor(v->valuedouble)) {
        char *t = v ? cJSON_PrintUnformatted(v) : NULL;
        sm_fail(err, SM_EPARSE, "%s: %s: must be a whole number >= 0, got %s", path, key,
                t ? t : "nothing");
        free(t);
        return -1;
    }
    *out = (uint32_t)v->valuedouble;
    return 0;
}

sm_mapping_t *sm_mapping_load(const char *path, const sm_net_t *net, sm_error_t *err)
{
    size_t len;
    char *text = sm_file_read(path, &len, err);
    if (!text)
        return NULL;
    /* Neither a NUL nor text after the object is silently ignored. */
    cJSON *doc = strlen(text) == len ? cJSON_ParseWithOpts(text, NULL, 1) : NULL;
    free(text);
    sm_mapping_t *m = NULL;
    if (!doc || !cJSON_IsObject(doc)) {
        sm_fail(err, SM_EPARSE, "%s: not a JSON object", path);
        goto out;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "spikemesh-mapping") != 0) {
        sm_fail(err, SM_EPARSE, "%s: format: must be \"spikemesh-mapping\"", path);
        goto out;
    }
    uint32_t w, h, n;
    if (s_get_u32(doc, "width", path, &w, err) < 0 || s_get_u32(doc, "height", path, &h, err) < 0 ||
        s_get_u32(doc, "n_gids", path, &n, err) < 0)
        goto out;
    if (w == 0 || h == 0 || (uint64_t)w * h > (1u << 24)) {
        sm_fail(err, SM_EPARSE, "%s: width x height: %u x %u is not a usable grid", path, w, h);
        goto out;
    }
    if (n != net->n_neurons) {
        sm_fail(err, SM_EINVAL, "%s: n_gids: %u, but the network has %u neurons", path, n,
                net->n_neurons);
        goto out;
    }
    const cJSON *pops = cJSON_GetObjectItemCaseSensitive(doc, "populations");
    if (pops && cJSON_GetArraySize(pops) > 0) {
        if (!cJSON_IsArray(pops) || (uint32_t)cJSON_GetArraySize(pops) != net->n_pops) {
            sm_fail(err, SM_EINVAL, "%s: populations: %d listed, the network has %u", path,
                    cJSON_GetArraySize(pops), net->n_pops);
            goto out;
        }
        uint32_t p = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, pops) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
            const cJSON *sz = cJSON_GetObjectItemCaseSensitive(it, "size");
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
    const cJSON *cores = cJSON_GetObjectItemCaseSensitive(doc, "cores");
    if (!cJSON_IsArray(cores) || (uint32_t)cJSON_GetArraySize(cores) != n) {
        sm_fail(err, SM_EPARSE, "%s: cores: must be an array of %u core ids, got %d entries",
                path, n, cores ? cJSON_GetArraySize(cores) : -1);
        goto out;
    }
    m = sm_mapping_new(w, h, n, err);
    if (!m)
        goto out;
    uint32_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cores) {
        if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= (double)w * h ||
            it->valuedouble != floor(it->valuedouble)) {
            char *t = cJSON_PrintUnformatted(it);
            sm_fail(err, SM_EPARSE, "%s: cores[%u]: must be a core id in [0, %u), got %s", path,
                    i, w * h, t ? t : "?");
            free(t);
            sm_mapping_destroy(&m);
            goto out;
        }
        m->core_of[i++] = (uint32_t)it->valuedouble;
    }
out:
    cJSON_Delete(doc);
    return m;
}
