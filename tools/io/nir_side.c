/* nir_side: the conventions file (nir_side_info) and the flavors' defaults. */
#include "nir_side.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "json.h"

/* NULL-terminated for s_enum; indexed by sm_nir_flavor_t. */
static const char *const s_flavors[SM_NIR_NFLAVORS + 1] = {"snntorch", "norse", "sinabs", NULL};

const char *sm_nir_flavor_name(sm_nir_flavor_t f)
{
    return f < SM_NIR_NFLAVORS ? s_flavors[f] : "?";
}

int sm_nir_flavor_parse(const char *name, sm_nir_flavor_t *f, sm_error_t *err)
{
    for (int i = 0; i < SM_NIR_NFLAVORS; i++)
        if (!strcmp(name, s_flavors[i])) {
            *f = (sm_nir_flavor_t)i;
            return 0;
        }
    return sm_fail(err, SM_EINVAL, "unknown NIR flavor \"%s\" (snntorch, norse or sinabs)", name);
}

double sm_nir_side_default_dt(sm_nir_flavor_t f)
{
    switch (f) {
    case SM_NIR_FLAVOR_SNNTORCH: return 1e-4; /* hard-coded in its exporter */
    case SM_NIR_FLAVOR_NORSE: return 1e-3;    /* norse's own default dt      */
    default: return 1.0;                      /* sinabs counts time in steps */
    }
}

sm_nir_conv_t sm_nir_side_default_conv(sm_nir_flavor_t f)
{
    /* The libraries' layer defaults (not their importers'): snnTorch Leaky
     * and Synaptic subtract with a delayed reset; Sinabs IAF and LIF send
     * MultiSpike counts, subtract, have no membrane floor and (LIF) scale
     * the input; Norse resets to v_reset. */
    sm_nir_conv_t c = {0};
    c.reset = f == SM_NIR_FLAVOR_NORSE ? SM_NIR_RESET_ZERO : SM_NIR_RESET_SUBTRACT;
    c.reset_delay = f == SM_NIR_FLAVOR_SNNTORCH;
    c.spike_fn = SM_NIR_SPIKE_MULTI;
    c.has_min_v = false;
    c.min_v = 0;
    c.norm_input = true;
    return c;
}

sm_nir_conv_t sm_nir_side_conv(const sm_nir_side_t *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_nodes; i++)
        if (!strcmp(s->nodes[i].node, name))
            return s->nodes[i].conv;
    return sm_nir_side_default_conv(s->flavor);
}

sm_nir_side_t *sm_nir_side_defaults(sm_nir_flavor_t f, sm_error_t *err)
{
    if (f >= SM_NIR_NFLAVORS) {
        sm_fail(err, SM_EINVAL, "unknown NIR flavor %d", (int)f);
        return NULL;
    }
    sm_nir_side_t *s = calloc(1, sizeof *s);
    if (!s) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    s->flavor = f;
    s->dt = sm_nir_side_default_dt(f);
    return s;
}

void sm_nir_side_destroy(sm_nir_side_t **s_p)
{
    if (!s_p || !*s_p)
        return;
    sm_nir_side_t *s = *s_p;
    for (uint32_t i = 0; i < s->n_nodes; i++)
        free(s->nodes[i].node);
    free(s->nodes);
    free(s);
    *s_p = NULL;
}

/* ----------------------------------------------------------- parsing */

typedef struct {
    const char *file;
    sm_error_t *err;
} s_ctx_t;

static int s_bad(const s_ctx_t *cx, const char *path, const char *what, const cJSON *v)
{
    char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
    sm_fail(cx->err, SM_EPARSE, "%s: %s: %s, got %s", cx->file, path, what, txt ? txt : "nothing");
    free(txt);
    return -1;
}

/* The keys a node entry may have under each flavor. */
static const char *const s_keys_snntorch[] = {"reset_mechanism", "reset_delay", NULL};
static const char *const s_keys_norse[] = {"reset_mechanism", NULL};
static const char *const s_keys_sinabs[] = {"spike_fn", "reset_fn", "min_v_mem", "norm_input",
                                            NULL};

static const char *const *s_node_keys(sm_nir_flavor_t f)
{
    return f == SM_NIR_FLAVOR_SNNTORCH ? s_keys_snntorch
           : f == SM_NIR_FLAVOR_NORSE  ? s_keys_norse
                                       : s_keys_sinabs;
}

static bool s_in(const char *const *list, const char *k)
{
    for (; *list; list++)
        if (!strcmp(*list, k))
            return true;
    return false;
}

static void s_list(const char *const *list, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (; *list && at < cap; list++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? ", " : "", *list);
}

/* Which flavor a node key belongs to, for the message when it is misplaced. */
static const char *s_key_owner(const char *k)
{
    if (s_in(s_keys_sinabs, k))
        return "sinabs";
    if (!strcmp(k, "reset_delay"))
        return "snntorch";
    return NULL;
}

static int s_enum(const s_ctx_t *cx, const cJSON *v, const char *path, const char *const *names,
                  int *out)
{
    if (cJSON_IsString(v))
        for (int i = 0; names[i]; i++)
            if (!strcmp(v->valuestring, names[i])) {
                *out = i;
                return 0;
            }
    char list[200], what[260];
    s_list(names, list, sizeof list);
    snprintf(what, sizeof what, "must be one of %s", list);
    return s_bad(cx, path, what, v);
}

static int s_node(const s_ctx_t *cx, sm_nir_flavor_t f, const cJSON *obj, sm_nir_side_node_t *nd)
{
    char path[400];
    snprintf(path, sizeof path, "nodes.%s", obj->string);
    if (!cJSON_IsObject(obj))
        return s_bad(cx, path, "must be an object of conventions", obj);
    nd->conv = sm_nir_side_default_conv(f);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        char kp[480];
        snprintf(kp, sizeof kp, "%s.%s", path, it->string);
        const char *const *allowed = s_node_keys(f);
        if (!s_in(allowed, it->string)) {
            const char *owner = s_key_owner(it->string);
            char list[200];
            s_list(allowed, list, sizeof list);
            if (owner && strcmp(owner, sm_nir_flavor_name(f)))
                return sm_fail(cx->err, SM_EPARSE, "%s: %s: a %s convention, but the flavor is "
                               "%s (its keys: %s)", cx->file, kp, owner, sm_nir_flavor_name(f),
                               list);
            return sm_fail(cx->err, SM_EPARSE, "%s: %s: unknown key (flavor %s knows: %s)",
                           cx->file, kp, sm_nir_flavor_name(f), list);
        }
        int e = 0;
        if (!strcmp(it->string, "reset_mechanism")) {
            static const char *const snn[] = {"subtract", "zero", "none", NULL};
            static const char *const nor[] = {"subtract", "zero", NULL};
            if (s_enum(cx, it, kp, f == SM_NIR_FLAVOR_NORSE ? nor : snn, &e) < 0)
                return -1;
            nd->conv.reset = (sm_nir_reset_t)e;
            nd->given |= SM_NIR_SIDE_RESET;
        } else if (!strcmp(it->string, "reset_fn")) {
            static const char *const fns[] = {"MembraneSubtract", "MembraneReset", NULL};
            if (s_enum(cx, it, kp, fns, &e) < 0)
                return -1;
            nd->conv.reset = e ? SM_NIR_RESET_ZERO : SM_NIR_RESET_SUBTRACT;
            nd->given |= SM_NIR_SIDE_RESET;
        } else if (!strcmp(it->string, "spike_fn")) {
            static const char *const fns[] = {"MultiSpike", "SingleSpike", NULL};
            if (s_enum(cx, it, kp, fns, &e) < 0)
                return -1;
            nd->conv.spike_fn = (sm_nir_spike_fn_t)e;
            nd->given |= SM_NIR_SIDE_SPIKE_FN;
        } else if (!strcmp(it->string, "reset_delay") || !strcmp(it->string, "norm_input")) {
            if (!cJSON_IsBool(it))
                return s_bad(cx, kp, "must be true or false", it);
            if (it->string[0] == 'r') {
                nd->conv.reset_delay = cJSON_IsTrue(it);
                nd->given |= SM_NIR_SIDE_DELAY;
            } else {
                nd->conv.norm_input = cJSON_IsTrue(it);
                nd->given |= SM_NIR_SIDE_NORM;
            }
        } else { /* min_v_mem: a number, or null for no floor */
            if (cJSON_IsNull(it)) {
                nd->conv.has_min_v = false;
            } else if (cJSON_IsNumber(it) && isfinite(it->valuedouble)) {
                nd->conv.has_min_v = true;
                nd->conv.min_v = it->valuedouble;
            } else {
                return s_bad(cx, kp, "must be a finite number or null", it);
            }
            nd->given |= SM_NIR_SIDE_MIN_V;
        }
    }
    return 0;
}

static int s_doc(const s_ctx_t *cx, const cJSON *doc, sm_nir_side_t *s)
{
    if (!cJSON_IsObject(doc))
        return s_bad(cx, "(top)", "must be an object {\"flavor\", \"dt\", \"nodes\"}", doc);
    static const char *const top[] = {"flavor", "dt", "nodes", NULL};
    const cJSON *it;
    cJSON_ArrayForEach(it, doc) {
        if (!s_in(top, it->string))
            return sm_fail(cx->err, SM_EPARSE, "%s: %s: unknown key (allowed: flavor, dt, nodes)",
                           cx->file, it->string);
    }
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(doc, "flavor");
    if (!fl)
        return sm_fail(cx->err, SM_EPARSE, "%s: flavor: missing (snntorch, norse or sinabs)",
                       cx->file);
    int f = 0;
    if (s_enum(cx, fl, "flavor", s_flavors, &f) < 0)
        return -1;
    s->flavor = (sm_nir_flavor_t)f;
    s->dt = sm_nir_side_default_dt(s->flavor);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(doc, "dt");
    if (dt) {
        if (!cJSON_IsNumber(dt) || !isfinite(dt->valuedouble) || !(dt->valuedouble > 0))
            return s_bad(cx, "dt", "must be a number > 0", dt);
        s->dt = dt->valuedouble;
        s->dt_given = true;
    }
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(doc, "nodes");
    if (!nodes)
        return 0;
    if (!cJSON_IsObject(nodes))
        return s_bad(cx, "nodes", "must be an object from node name to conventions", nodes);
    int cnt = cJSON_GetArraySize(nodes);
    s->nodes = calloc(cnt ? (size_t)cnt : 1, sizeof *s->nodes);
    if (!s->nodes)
        return sm_fail(cx->err, SM_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, nodes) {
        for (uint32_t i = 0; i < s->n_nodes; i++)
            if (!strcmp(s->nodes[i].node, it->string))
                return sm_fail(cx->err, SM_EPARSE, "%s: nodes.%s: given twice", cx->file,
                               it->string);
        sm_nir_side_node_t *nd = &s->nodes[s->n_nodes];
        nd->node = strdup(it->string);
        if (!nd->node)
            return sm_fail(cx->err, SM_ENOMEM, "out of memory");
        s->n_nodes++;
        if (s_node(cx, s->flavor, it, nd) < 0)
            return -1;
    }
    return 0;
}

sm_nir_side_t *sm_nir_side_from_string(const char *text, const char *name, sm_error_t *err)
{
    s_ctx_t cx = {name ? name : "conventions", err};
    /* The strict kit: a key given twice (cJSON keeps both and finds the
     * first) is refused, as in every other input file. */
    cJSON *doc = sm_json_parse(text, strlen(text), cx.file, err);
    if (!doc)
        return NULL;
    sm_nir_side_t *s = calloc(1, sizeof *s);
    if (!s) {
        cJSON_Delete(doc);
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    if (s_doc(&cx, doc, s) < 0)
        sm_nir_side_destroy(&s);
    cJSON_Delete(doc);
    return s;
}

sm_nir_side_t *sm_nir_side_load(const char *path, sm_error_t *err)
{
    size_t len = 0;
    char *text = sm_file_read(path, &len, err);
    if (!text)
        return NULL;
    sm_nir_side_t *s = NULL;
    if (strlen(text) != len)
        sm_fail(err, SM_EPARSE, "%s: not a text file (holds a NUL byte)", path);
    else
        s = sm_nir_side_from_string(text, path, err);
    free(text);
    return s;
}

int sm_nir_side_check(const sm_nir_side_t *s, const sm_nir_graph_t *g, sm_error_t *err)
{
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const char *name = s->nodes[i].node;
        int32_t k = sm_nir_find(g, name);
        if (k < 0)
            return sm_fail(err, SM_EPARSE, "conventions: nodes.%s: the graph has no node named "
                           "'%s'", name, name);
        if (!sm_nir_is_neuron(g->nodes[k].type))
            return sm_fail(err, SM_EPARSE, "conventions: nodes.%s: node '%s' is a %s, not a "
                           "neuron node", name, name, sm_nir_type_name(g->nodes[k].type));
    }
    return 0;
}
