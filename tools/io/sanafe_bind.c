/* sanafe_bind: placing a network on the chip, with SANA-FE's checks. */
#include "sanafe_bind.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const sm_sanafe_arch_t *a;
    const sm_sanafe_snn_t *s;
    sm_sanafe_bound_t *o;
    uint8_t warned[SM_SFA_COUNT][SM_SF_MODEL_COUNT];
    int warned_input, warned_delay;
    /* (name, core type, role) -> unit, for the few distinct names of a net */
    struct {
        uint32_t name, type, role;
        int32_t unit;
        int used;
    } memo[256];
    sm_error_t *err;
} s_bind_t;

static int s_warn(s_bind_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int s_warn(s_bind_t *b, const char *fmt, ...)
{
    sm_sanafe_bound_t *o = b->o;
    if (o->n_warnings >= 100)
        return 0;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **p = realloc(o->warnings, ((size_t)o->n_warnings + 1) * sizeof *p);
    if (!p)
        return sm_fail(b->err, SM_ENOMEM, "out of memory placing the network");
    o->warnings = p;
    if (!(o->warnings[o->n_warnings] = strdup(msg)))
        return sm_fail(b->err, SM_ENOMEM, "out of memory placing the network");
    o->n_warnings++;
    return 0;
}

static const char *s_role_name(sm_sf_role_t r)
{
    return r == SM_SF_ROLE_SYNAPSE ? "synapse" : r == SM_SF_ROLE_DENDRITE ? "dendrite" : "soma";
}

static void s_core_label(const s_bind_t *b, uint32_t core, char *buf, size_t size)
{
    const sm_sanafe_core_t *c = &b->a->cores[core];
    char name[96];
    snprintf(buf, size, "core %u.%u (%s)", c->tile, c->offset,
             sm_sanafe_core_name(b->a, core, name, sizeof name));
}

/* The unit for a neuron: by name, or the first of its role when unnamed. */
static int s_unit(s_bind_t *b, uint32_t core, sm_sf_role_t role, uint32_t name, uint32_t line,
                  const char *key, uint32_t *out)
{
    uint32_t type = b->a->cores[core].type;
    uint32_t h = (name * 31u + type * 7u + (uint32_t)role) & 255u;
    if (!(b->memo[h].used && b->memo[h].name == name && b->memo[h].type == type &&
          b->memo[h].role == (uint32_t)role)) {
        b->memo[h].used = 1;
        b->memo[h].name = name;
        b->memo[h].type = type;
        b->memo[h].role = (uint32_t)role;
        b->memo[h].unit = sm_sanafe_find_unit(b->a, type, role, sm_sanafe_name(b->s, name));
    }
    if (b->memo[h].unit < 0) {
        char label[160];
        s_core_label(b, core, label, sizeof label);
        if (name)
            return sm_fail(b->err, SM_EPARSE, "%s:%u: %s: %s has no %s unit named '%s' (%s)",
                           b->s->file, line, key, label, s_role_name(role), sm_sanafe_name(b->s, name),
                           b->a->file);
        return sm_fail(b->err, SM_EPARSE, "%s:%u: %s has no %s unit at all (%s:%u)", b->s->file, line,
                       label, s_role_name(role), b->a->file, b->a->ctypes[type].line);
    }
    *out = (uint32_t)b->memo[h].unit;
    return 0;
}

static void s_in_degree(const sm_sanafe_snn_t *s, uint32_t *deg)
{
    for (uint32_t ei = 0; ei < s->n_edges; ei++) {
        const sm_sanafe_edge_t *e = &s->edges[ei];
        const sm_sanafe_group_t *sg = &s->groups[e->src_group], *dg = &s->groups[e->dst_group];
        switch (e->kind) {
        case SM_SFE_SINGLE:
            deg[dg->first + e->dst]++;
            break;
        case SM_SFE_DENSE:
            for (uint32_t j = 0; j < dg->n; j++)
                deg[dg->first + j] += sg->n;
            break;
        case SM_SFE_SPARSE:
            for (uint32_t k = 0; k < e->n_attr; k++)
                deg[dg->first + s->pairs[e->pairs + 2 * k + 1]]++;
            break;
        case SM_SFE_CONV2D: {
            uint32_t per = (uint32_t)(e->conv.input_channels * e->conv.kernel_height *
                                      e->conv.kernel_width);
            for (uint32_t j = 0; j < dg->n; j++)
                deg[dg->first + j] += per;
            break;
        }
        }
    }
}

/* Cores of the mapping entries, neuron counts, order and slots. */
static int s_place(s_bind_t *b)
{
    const sm_sanafe_arch_t *a = b->a;
    const sm_sanafe_snn_t *s = b->s;
    sm_sanafe_bound_t *o = b->o;
    for (uint32_t g = 0; g < s->n_groups; g++)
        for (uint32_t i = 0; i < s->groups[g].n; i++)
            if (s->mapped[s->groups[g].first + i] == UINT32_MAX)
                return sm_fail(b->err, SM_EPARSE,
                               "%s:%u: neuron %s.%u is not mapped (mappings: needs every neuron; "
                               "SANA-FE refuses it too)",
                               s->file, s->groups[g].line, s->groups[g].name, i);
    uint32_t *count = calloc((size_t)a->n_cores + 1, sizeof *count);
    if (!count)
        return sm_fail(b->err, SM_ENOMEM, "out of memory placing the network");
    int rc = 0;
    for (uint32_t mi = 0; mi < s->n_maps && !rc; mi++) {
        const sm_sanafe_map_t *m = &s->maps[mi];
        if (m->tile >= a->n_tiles) {
            rc = sm_fail(b->err, SM_EPARSE, "%s:%u: core: tile %u does not exist (%s has %u tiles)",
                         s->file, m->line, m->tile, a->file, a->n_tiles);
            break;
        }
        if (m->core >= a->tiles[m->tile].n_cores) {
            rc = sm_fail(b->err, SM_EPARSE, "%s:%u: core: core %u.%u does not exist (tile %u has %u cores)",
                         s->file, m->line, m->tile, m->core, m->tile, a->tiles[m->tile].n_cores);
            break;
        }
        uint32_t core = a->tiles[m->tile].first_core + m->core;
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, core);
        for (uint32_t i = m->first; i <= m->last; i++) {
            uint32_t id = s->groups[m->group].first + i;
            o->core[id] = core;
            if (++count[core] > t->max_neurons) {
                char label[160];
                s_core_label(b, core, label, sizeof label);
                rc = sm_fail(b->err, SM_ETOOBIG,
                             "%s:%u: core: %s would hold more than its max_neurons_supported = %u "
                             "neurons (%s:%u)",
                             s->file, m->line, label, t->max_neurons, a->file, t->line);
                break;
            }
        }
    }
    if (!rc) {
        o->core_first[0] = 0;
        for (uint32_t c = 0; c < a->n_cores; c++) {
            o->core_first[c + 1] = o->core_first[c] + count[c];
            count[c] = 0;
        }
        for (uint32_t mi = 0; mi < s->n_maps; mi++) {
            const sm_sanafe_map_t *m = &s->maps[mi];
            for (uint32_t i = m->first; i <= m->last; i++) {
                uint32_t id = s->groups[m->group].first + i, c = o->core[id];
                o->slot[id] = count[c];
                o->order[o->core_first[c] + count[c]++] = id;
            }
        }
        for (uint32_t t = 0; t < a->n_tiles; t++) {
            int used = 0;
            for (uint32_t c = a->tiles[t].first_core; c < a->tiles[t].first_core + a->tiles[t].n_cores; c++)
                if (o->core_first[c + 1] > o->core_first[c]) {
                    used = 1;
                    o->cores_used++;
                }
            o->tiles_used += used;
        }
    }
    free(count);
    return rc;
}

/* Attributes that reach a unit whose model does not take them: SANA-FE
 * ignores them silently; noted once per attribute and model. */
static int s_attr_use(s_bind_t *b, uint32_t id)
{
    const sm_sanafe_snn_t *s = b->s;
    const sm_sanafe_nconf_t *c = &s->confs[s->nconf[id]];
    const sm_sanafe_unit_t *soma = sm_sanafe_core_unit(b->a, b->o->core[id], b->o->soma[id]);
    const sm_sanafe_unit_t *den = sm_sanafe_core_unit(b->a, b->o->core[id], b->o->dendrite[id]);
    for (int k = 0; k < SM_SFA_COUNT; k++) {
        uint32_t bit = 1u << k;
        if (!(c->set & bit) || ((c->to_soma & bit) && sm_sfa_model((sm_sfa_t)k) == soma->model))
            continue;
        const sm_sanafe_unit_t *u = (c->to_soma & bit) ? soma : den;
        if (b->warned[k][u->model])
            continue;
        b->warned[k][u->model] = 1;
        if (s_warn(b, "%s:%u: %s: ignored by %s unit %s (model %s), as in SANA-FE", s->file, c->line,
                   sm_sfa_name((sm_sfa_t)k), s_role_name(u->role), u->name, sm_sf_model_name(u->model)))
            return -1;
    }
    if (soma->model == SM_SF_INPUT && b->o->in_degree[id] && !b->warned_input) {
        b->warned_input = 1;
        uint32_t g = sm_sanafe_group_of(s, id);
        if (s_warn(b, "%s:%u: %s.%u: an input neuron with incoming synapses; SANA-FE stops with an "
                      "error if a non-zero current reaches it",
                   s->file, s->groups[g].line, s->groups[g].name, id - s->groups[g].first))
            return -1;
    }
    return 0;
}

static int s_units(s_bind_t *b)
{
    const sm_sanafe_snn_t *s = b->s;
    sm_sanafe_bound_t *o = b->o;
    for (uint32_t id = 0; id < s->n_neurons; id++) {
        const sm_sanafe_nconf_t *c = &s->confs[s->nconf[id]];
        const sm_sanafe_map_t *m = &s->maps[s->mapped[id]];
        uint32_t core = o->core[id];
        /* A mapping's soma: and dendrite: replace the attributes' names; its
         * synapse: only applies when the attributes name none (chip.cpp:308-332). */
        uint32_t sn = m->soma_hw ? m->soma_hw : c->soma_hw;
        uint32_t dn = m->dendrite_hw ? m->dendrite_hw : c->dendrite_hw;
        uint32_t yn = c->synapse_hw ? c->synapse_hw : m->synapse_hw;
        if (s_unit(b, core, SM_SF_ROLE_SOMA, sn, m->soma_hw ? m->line : c->line,
                   m->soma_hw ? "soma" : "soma_hw_name", &o->soma[id]) ||
            s_unit(b, core, SM_SF_ROLE_DENDRITE, dn, m->dendrite_hw ? m->line : c->line,
                   m->dendrite_hw ? "dendrite" : "dendrite_hw_name", &o->dendrite[id]))
            return -1;
        o->synapse[id] = UINT32_MAX;
        if (o->in_degree[id] &&
            s_unit(b, core, SM_SF_ROLE_SYNAPSE, yn, c->synapse_hw ? c->line : m->line,
                   c->synapse_hw ? "synapse_hw_name" : "synapse", &o->synapse[id]))
            return -1;
        uint32_t *use = o->unit_use + o->unit_first[core];
        use[o->soma[id]]++;
        use[o->dendrite[id]]++;
        if (o->synapse[id] != UINT32_MAX)
            use[o->synapse[id]] += o->in_degree[id];
        o->core_synapses[core] += o->in_degree[id];
        if (s_attr_use(b, id))
            return -1;
    }
    return 0;
}

/* Models, capacities and prices of every unit in use. */
static int s_check_units(s_bind_t *b)
{
    const sm_sanafe_arch_t *a = b->a;
    sm_sanafe_bound_t *o = b->o;
    for (uint32_t c = 0; c < a->n_cores; c++) {
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, c);
        for (uint32_t u = 0; u < t->n_units; u++) {
            uint32_t use = o->unit_use[o->unit_first[c] + u];
            const sm_sanafe_unit_t *x = &a->units[t->first_unit + u];
            if (!use)
                continue;
            char label[160];
            s_core_label(b, c, label, sizeof label);
            if (x->model == SM_SF_TAPS || x->model == SM_SF_TRUENORTH)
                return sm_fail(b->err, SM_EUNSUPPORTED,
                               "%s:%u: model: %s (unit %s, used on %s) is not supported", a->file,
                               x->line, sm_sf_model_name(x->model), x->name, label);
            int slots = x->model == SM_SF_LIF || x->model == SM_SF_ACCUMULATOR ||
                        x->model == SM_SF_ACCUMULATOR_WITH_DELAY;
            if (slots && x->role != SM_SF_ROLE_SYNAPSE && use > SM_SANAFE_UNIT_SLOTS)
                return sm_fail(b->err, SM_ETOOBIG,
                               "%s:%u: unit %s on %s: %u neurons, over the %u its model %s holds",
                               a->file, x->line, x->name, label, use, SM_SANAFE_UNIT_SLOTS,
                               sm_sf_model_name(x->model));
            if (!x->has_energy || !x->has_latency)
                return sm_fail(b->err, SM_EPARSE,
                               "%s:%u: unit %s (used on %s) gives no %s figures; SANA-FE's built-in "
                               "models cannot run without them",
                               a->file, x->line, x->name, label,
                               !x->has_energy ? "energy" : "latency");
        }
    }
    return 0;
}

static int s_dendrite_delay(s_bind_t *b, uint32_t id, const sm_sanafe_edge_t *e)
{
    const sm_sanafe_unit_t *u = sm_sanafe_core_unit(b->a, b->o->core[id], b->o->dendrite[id]);
    if (u->model == SM_SF_ACCUMULATOR_WITH_DELAY && e->max_delay > 5)
        return sm_fail(b->err, SM_ERANGE,
                       "%s:%u: delay: %d is over the 5 steps accumulator_with_delay (unit %s) holds",
                       b->s->file, e->line, e->max_delay, u->name);
    if (u->model != SM_SF_ACCUMULATOR_WITH_DELAY && !b->warned_delay) {
        b->warned_delay = 1;
        return s_warn(b, "%s:%u: delay: ignored by dendrite unit %s (model %s), as in SANA-FE",
                      b->s->file, e->line, u->name, sm_sf_model_name(u->model));
    }
    return 0;
}

static int s_delays(s_bind_t *b)
{
    const sm_sanafe_snn_t *s = b->s;
    for (uint32_t ei = 0; ei < s->n_edges; ei++) {
        const sm_sanafe_edge_t *e = &s->edges[ei];
        if (e->delay == UINT32_MAX || e->max_delay == 0)
            continue;
        const sm_sanafe_group_t *dg = &s->groups[e->dst_group];
        if (e->kind == SM_SFE_SINGLE) {
            if (s_dendrite_delay(b, dg->first + e->dst, e))
                return -1;
        } else if (e->kind == SM_SFE_SPARSE) {
            for (uint32_t k = 0; k < e->n_attr; k++)
                if (s->delays[e->delay + k] &&
                    s_dendrite_delay(b, dg->first + s->pairs[e->pairs + 2 * k + 1], e))
                    return -1;
        } else {
            for (uint32_t j = 0; j < dg->n; j++)
                if (s_dendrite_delay(b, dg->first + j, e))
                    return -1;
        }
    }
    return 0;
}

sm_sanafe_bound_t *sm_sanafe_bind(const sm_sanafe_arch_t *arch, const sm_sanafe_snn_t *snn,
                                  sm_error_t *err)
{
    s_bind_t *b = calloc(1, sizeof *b);
    sm_sanafe_bound_t *o = calloc(1, sizeof *o);
    if (!b || !o) {
        free(b);
        free(o);
        sm_fail(err, SM_ENOMEM, "out of memory placing the network");
        return NULL;
    }
    b->a = arch;
    b->s = snn;
    b->o = o;
    b->err = err;
    size_t n = snn->n_neurons ? snn->n_neurons : 1;
    o->n_neurons = snn->n_neurons;
    o->n_cores = arch->n_cores;
    o->core = calloc(n, sizeof *o->core);
    o->soma = calloc(n, sizeof *o->soma);
    o->dendrite = calloc(n, sizeof *o->dendrite);
    o->synapse = calloc(n, sizeof *o->synapse);
    o->slot = calloc(n, sizeof *o->slot);
    o->in_degree = calloc(n, sizeof *o->in_degree);
    o->order = calloc(n, sizeof *o->order);
    o->core_first = calloc((size_t)arch->n_cores + 1, sizeof *o->core_first);
    o->core_synapses = calloc((size_t)arch->n_cores + 1, sizeof *o->core_synapses);
    o->unit_first = calloc((size_t)arch->n_cores + 1, sizeof *o->unit_first);
    size_t units = 0;
    for (uint32_t c = 0; c < arch->n_cores; c++) {
        if (o->unit_first)
            o->unit_first[c] = (uint32_t)units;
        units += sm_sanafe_core_type(arch, c)->n_units;
    }
    o->unit_use = calloc(units ? units : 1, sizeof *o->unit_use);
    int rc = 0;
    if (!o->core || !o->soma || !o->dendrite || !o->synapse || !o->slot || !o->in_degree ||
        !o->order || !o->core_first || !o->core_synapses || !o->unit_first || !o->unit_use)
        rc = sm_fail(err, SM_ENOMEM, "out of memory placing the network");
    if (!rc) {
        s_in_degree(snn, o->in_degree);
        rc = s_place(b) || s_units(b) || s_check_units(b) || s_delays(b);
    }
    if (!rc)
        o->sync_latency = sm_sanafe_sync_latency(arch, o->tiles_used);
    free(b);
    if (rc)
        sm_sanafe_bound_destroy(&o);
    return o;
}

void sm_sanafe_bound_destroy(sm_sanafe_bound_t **bp)
{
    if (!bp || !*bp)
        return;
    sm_sanafe_bound_t *o = *bp;
    for (uint32_t i = 0; i < o->n_warnings; i++)
        free(o->warnings[i]);
    free(o->warnings);
    free(o->core);
    free(o->soma);
    free(o->dendrite);
    free(o->synapse);
    free(o->slot);
    free(o->in_degree);
    free(o->order);
    free(o->core_first);
    free(o->core_synapses);
    free(o->unit_first);
    free(o->unit_use);
    free(o);
    *bp = NULL;
}
