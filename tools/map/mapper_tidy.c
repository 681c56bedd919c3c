/* mapper_tidy: repairing the parts a cut leaves.
 *
 * METIS balances parts within a tolerance, so a part can come out a few
 * neurons over a core's limit. Filling cores in order would then leave a
 * full core and a core of one or two neurons. Instead the neurons least tied
 * to an over-full part move to the parts they are most tied to that have
 * room; a part still over is cut into even pieces; and finally parts whose
 * union fits every limit are merged, the most tied pairs first, until no
 * pair fits. Each step only ever leaves parts within the neuron, synapse
 * and axon limits, and a merge also keeps the fan-out limit. */
#include "mapper_int.h"

#include <stdlib.h>
#include <string.h>

#define S_NONE SM_MAP_NONE
#define S_MERGE_ROUNDS 16
#define S_MERGE_TRIES 16
/* a part of at most 1/S_TINY of a core's neurons is a leftover */
#define S_TINY 8

/* Members of every part, grouped by part (CSR) in gid order. */
typedef struct {
    uint32_t k;
    uint32_t *off;            /* k + 1 */
    uint32_t *v;
} s_members_t;

static void s_members_free(s_members_t *m)
{
    free(m->off);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static int s_members(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k, s_members_t *m)
{
    m->k = k;
    m->off = calloc((size_t)k + 1, sizeof *m->off);
    m->v = malloc((g->n ? g->n : 1) * sizeof *m->v);
    uint32_t *fill = malloc(((size_t)k + 1) * sizeof *fill);
    if (!m->off || !m->v || !fill) {
        free(fill);
        s_members_free(m);
        return -1;
    }
    for (uint32_t v = 0; v < g->n; v++)
        m->off[part_of[v] + 1]++;
    for (uint32_t p = 0; p < k; p++)
        m->off[p + 1] += m->off[p];
    memcpy(fill, m->off, ((size_t)k + 1) * sizeof *fill);
    for (uint32_t v = 0; v < g->n; v++)
        m->v[fill[part_of[v]]++] = v;
    free(fill);
    return 0;
}

/* Renumbers parts densely in order of their first neuron; returns the count. */
static uint32_t s_renumber(const sm_mgraph_t *g, uint32_t *part_of, uint32_t k)
{
    uint32_t *newid = malloc(((size_t)k + 1) * sizeof *newid);
    if (!newid)
        return 0;
    for (uint32_t p = 0; p < k; p++)
        newid[p] = S_NONE;
    uint32_t n = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        if (newid[part_of[v]] == S_NONE)
            newid[part_of[v]] = n++;
        part_of[v] = newid[part_of[v]];
    }
    free(newid);
    return n;
}

/* Synapses between v and each part, into tie[] (parts touched listed in
 * seen, *n_seen of them; tie must be zero for every part on entry). */
static void s_ties(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t v, double *tie,
                   uint32_t *seen, uint32_t *n_seen)
{
    *n_seen = 0;
    for (size_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
        uint32_t q = part_of[g->out_dst[e]];
        if (tie[q] == 0)
            seen[(*n_seen)++] = q;
        tie[q] += g->out_w[e];
    }
    for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++) {
        uint32_t q = part_of[g->in_src[e]];
        if (tie[q] == 0)
            seen[(*n_seen)++] = q;
        tie[q] += 1;
    }
}

typedef struct {
    uint32_t v;
    double tie;
} s_cand_t;

static int s_cand_cmp(const void *x, const void *y)
{
    const s_cand_t *a = x, *b = y;
    if (a->tie != b->tie)
        return a->tie < b->tie ? -1 : 1;
    return a->v > b->v ? -1 : a->v < b->v; /* the later gid first */
}

/* Whether part q can take neuron v: the axon check counts every source of v
 * as new, so it may refuse a neuron that would fit, never the reverse. */
static int s_room(const sm_chip_limits_t *lim, const sm_map_load_t *q, const sm_mgraph_t *g,
                  uint32_t v)
{
    uint64_t ax = g->in_off[v + 1] - g->in_off[v];
    return q->neurons + 1 <= lim->neurons &&
           (!lim->synapses || q->syn + g->syn_in[v] <= lim->synapses) &&
           (!lim->axons || q->axons + ax <= lim->axons);
}

/* Over the limits a neuron's move changes exactly (axons only grow in the
 * bookkeeping of s_spill). */
static int s_over_ns(const sm_chip_limits_t *lim, const sm_map_load_t *l)
{
    return l->neurons > lim->neurons || (lim->synapses && l->syn > lim->synapses);
}

/* Moves the least tied neurons of each part over the neuron or synapse
 * limit to the most tied parts with room. */
static int s_spill(const sm_mgraph_t *g, const sm_chip_limits_t *lim, uint32_t *part_of,
                   uint32_t k)
{
    sm_map_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
    double *tie = calloc(k ? k : 1, sizeof *tie);
    uint32_t *seen = malloc((k ? k : 1) * sizeof *seen);
    s_cand_t *c = malloc((g->n ? g->n : 1) * sizeof *c);
    s_members_t m = {0};
    int rc = -1;
    if (!ld || !tie || !seen || !c || sm_map_loads(g, part_of, k, ld, 0) < 0 ||
        s_members(g, part_of, k, &m) < 0)
        goto out;
    for (uint32_t p = 0; p < k; p++) {
        if (!s_over_ns(lim, &ld[p]))
            continue;
        uint32_t nc = 0;
        for (uint32_t i = m.off[p]; i < m.off[p + 1]; i++) {
            uint32_t v = m.v[i], ns;
            s_ties(g, part_of, v, tie, seen, &ns);
            c[nc++] = (s_cand_t){v, tie[p]};
            for (uint32_t j = 0; j < ns; j++)
                tie[seen[j]] = 0;
        }
        qsort(c, nc, sizeof *c, s_cand_cmp);
        for (uint32_t i = 0; i < nc && s_over_ns(lim, &ld[p]); i++) {
            uint32_t v = c[i].v, ns, to = S_NONE;
            s_ties(g, part_of, v, tie, seen, &ns);
            double best = 0;
            for (uint32_t j = 0; j < ns; j++) {
                uint32_t q = seen[j];
                if (q != p && (tie[q] > best || (tie[q] == best && q < to)) &&
                    s_room(lim, &ld[q], g, v)) {
                    best = tie[q];
                    to = q;
                }
            }
            for (uint32_t j = 0; j < ns; j++)
                tie[seen[j]] = 0;
            /* no tied part has room: the emptiest part that has */
            if (to == S_NONE)
                for (uint32_t q = 0; q < k; q++)
                    if (q != p && s_room(lim, &ld[q], g, v) &&
                        (to == S_NONE || ld[q].neurons < ld[to].neurons))
                        to = q;
            if (to == S_NONE)
                break;
            part_of[v] = to;
            ld[p].neurons--;
            ld[p].syn -= g->syn_in[v];
            ld[to].neurons++;
            ld[to].syn += g->syn_in[v];
            ld[to].axons += (uint32_t)(g->in_off[v + 1] - g->in_off[v]);
        }
    }
    rc = 0;
out:
    free(ld);
    free(tie);
    free(seen);
    free(c);
    s_members_free(&m);
    return rc;
}

/* Cuts every part still over the neuron, synapse or axon limit into as few
 * pieces as filling in gid order needs, but of even size. */
static uint32_t s_split(const sm_mgraph_t *g, const sm_chip_limits_t *lim, uint32_t *part_of,
                        uint32_t k)
{
    sm_map_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
    uint32_t *stamp = malloc((g->n ? g->n : 1) * sizeof *stamp);
    uint32_t *trial = malloc((g->n ? g->n : 1) * sizeof *trial);
    s_members_t m = {0};
    uint32_t next = 0;
    if (!ld || !stamp || !trial || sm_map_loads(g, part_of, k, ld, 0) < 0 ||
        s_members(g, part_of, k, &m) < 0)
        goto out;
    next = k;
    for (uint32_t v = 0; v < g->n; v++)
        stamp[v] = S_NONE;
    for (uint32_t p = 0; p < k; p++) {
        if (sm_map_over(lim, &ld[p]) < 0)
            continue;
        const uint32_t *mem = &m.v[m.off[p]];
        uint32_t nm = m.off[p + 1] - m.off[p], first = next, pieces;
        sm_map_pack(g, lim, mem, nm, &next, part_of, stamp, NULL, 0, NULL);
        pieces = next - first;
        if (pieces < 2)
            continue;
        /* the same number of pieces with a lower neuron cap, if it holds */
        sm_chip_limits_t even = *lim;
        even.neurons = (nm + pieces - 1) / pieces;
        uint32_t tnext = first;
        for (uint32_t i = 0; i < nm; i++) {
            trial[mem[i]] = part_of[mem[i]];
            /* the first filling's stamps would hide these sources */
            for (size_t e = g->in_off[mem[i]]; e < g->in_off[mem[i] + 1]; e++)
                stamp[g->in_src[e]] = S_NONE;
        }
        sm_map_pack(g, &even, mem, nm, &tnext, part_of, stamp, NULL, 0, NULL);
        if (tnext - first != pieces)
            for (uint32_t i = 0; i < nm; i++)
                part_of[mem[i]] = trial[mem[i]];
        /* ids the trial stamped are not reused (renumbering closes the gap) */
        if (tnext > next)
            next = tnext;
    }
out:
    free(ld);
    free(stamp);
    free(trial);
    s_members_free(&m);
    return next;
}

typedef struct {
    uint64_t key;             /* lo << 32 | hi */
    double w;
} s_pair_t;

static int s_u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static int s_pair_heavy_first(const void *x, const void *y)
{
    const s_pair_t *a = x, *b = y;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* The union of parts p and q against every limit, exactly: distinct
 * sources for axons, distinct target parts (p and q as one) for fan-out.
 * sst (g->n) and pst (k) are stamps, *tok a token advanced here. */
static int s_union_fits(const sm_mgraph_t *g, const sm_chip_limits_t *lim, const uint32_t *part_of,
                        const s_members_t *m, const sm_map_load_t *ld, uint32_t p, uint32_t q,
                        uint32_t *sst, uint32_t *pst, uint32_t *tok)
{
    if (ld[p].neurons + ld[q].neurons > lim->neurons ||
        (lim->synapses && ld[p].syn + ld[q].syn > lim->synapses))
        return 0;
    uint32_t t = ++*tok;
    uint64_t axons = 0, fan = 0;
    const uint32_t parts[2] = {p, q};
    for (int s = 0; s < 2; s++)
        for (uint32_t i = m->off[parts[s]]; i < m->off[parts[s] + 1]; i++) {
            uint32_t v = m->v[i];
            for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
                if (sst[g->in_src[e]] != t) {
                    sst[g->in_src[e]] = t;
                    axons++;
                }
            for (size_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                uint32_t r = part_of[g->out_dst[e]];
                if (r == p)
                    r = q;
                if (pst[r] != t) {
                    pst[r] = t;
                    fan++;
                }
            }
        }
    return (!lim->axons || axons <= lim->axons) && (!lim->fanout || fan <= lim->fanout);
}

/* One round of merges, each part in at most one; returns the merges made,
 * or -1 out of memory. */
static int s_merge_round(const sm_mgraph_t *g, const sm_chip_limits_t *lim, uint32_t *part_of,
                         uint32_t k)
{
    sm_map_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
    uint32_t *sst = malloc((g->n ? g->n : 1) * sizeof *sst);
    uint32_t *pst = malloc((k ? k : 1) * sizeof *pst);
    uint8_t *used = calloc(k ? k : 1, 1);
    uint8_t *tries = calloc(k ? k : 1, 1);
    sm_map_pgraph_t pg = {0};
    s_pair_t *pairs = NULL;
    size_t np = 0;
    s_members_t m = {0};
    int merged = -1;
    if (!ld || !sst || !pst || !used || !tries || sm_map_loads(g, part_of, k, ld, 0) < 0 ||
        s_members(g, part_of, k, &m) < 0 || sm_map_pgraph_build(g, part_of, k, &pg) < 0 ||
        !(pairs = malloc((pg.off[k] ? pg.off[k] : 1) * sizeof *pairs)))
        goto out;
    for (uint32_t v = 0; v < g->n; v++)
        sst[v] = 0;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = 0;
    /* the most traffic a merge takes off the mesh first */
    for (uint32_t a = 0; a < k; a++)
        for (size_t e = pg.off[a]; e < pg.off[a + 1]; e++)
            if (a < pg.nb[e])
                pairs[np++] = (s_pair_t){((uint64_t)a << 32) | pg.nb[e], pg.w[e]};
    qsort(pairs, np, sizeof *pairs, s_pair_heavy_first);
    uint32_t tok = 0;
    merged = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t a = (uint32_t)(pairs[i].key >> 32), b = (uint32_t)pairs[i].key;
        /* a part tries its most tied partners only: on a densely connected
         * network nearly every pair is tied, and nearly none fits */
        if (used[a] || used[b] || tries[a] >= S_MERGE_TRIES || tries[b] >= S_MERGE_TRIES)
            continue;
        tries[a]++;
        tries[b]++;
        if (!s_union_fits(g, lim, part_of, &m, ld, a, b, sst, pst, &tok))
            continue;
        used[a] = used[b] = 1;
        for (uint32_t j = m.off[a]; j < m.off[a + 1]; j++)
            part_of[m.v[j]] = b;
        merged++;
    }
    /* Tiny parts tied to nothing that fits join each other or the smallest
     * part that takes them, which saves a core. */
    uint64_t *by_size = malloc((k ? k : 1) * sizeof *by_size);
    if (!by_size) {
        merged = -1;
        goto out;
    }
    uint32_t nb = 0;
    for (uint32_t p = 0; p < k; p++)
        if (!used[p])
            by_size[nb++] = (uint64_t)ld[p].neurons << 32 | p;
    qsort(by_size, nb, sizeof *by_size, s_u64_cmp);
    for (uint32_t i = 0; i < nb; i++) {
        uint32_t a = (uint32_t)by_size[i];
        if (used[a] || (uint64_t)ld[a].neurons * S_TINY > lim->neurons)
            continue;
        for (uint32_t j = i + 1, tries = 0; j < nb && tries < S_MERGE_TRIES; j++) {
            uint32_t b = (uint32_t)by_size[j];
            if (used[b])
                continue;
            tries++;
            if (!s_union_fits(g, lim, part_of, &m, ld, a, b, sst, pst, &tok))
                continue;
            used[a] = used[b] = 1;
            for (uint32_t x = m.off[a]; x < m.off[a + 1]; x++)
                part_of[m.v[x]] = b;
            merged++;
            break;
        }
    }
    free(by_size);
out:
    free(ld);
    free(sst);
    free(pst);
    free(used);
    free(tries);
    free(pairs);
    sm_map_pgraph_free(&pg);
    s_members_free(&m);
    return merged;
}

uint32_t sm_map_tidy(const sm_mgraph_t *g, const sm_chip_limits_t *lim, uint32_t *part_of,
                     uint32_t k)
{
    if (g->n == 0)
        return k;
    if (s_spill(g, lim, part_of, k) < 0)
        return 0;
    k = s_split(g, lim, part_of, k);
    if (!k || !(k = s_renumber(g, part_of, k)))
        return 0;
    for (int round = 0; round < S_MERGE_ROUNDS; round++) {
        int merged = s_merge_round(g, lim, part_of, k);
        if (merged < 0)
            return 0;
        if (!(k = s_renumber(g, part_of, k)))
            return 0;
        if (merged == 0)
            break;
    }
    return k;
}
