/* syntab: synapse storage, as a chip lays it out.
 *
 * Synapses are grouped by source neuron, then by target core. For each source
 * the fan-out list says which cores hold synapses for it (one AER packet per
 * core, never one per synapse); each fan-out entry points at that core's
 * segment of the row: first the delay-0 synapses, which must be applied in
 * the same tick, then the delayed ones. A synapse is 8 bytes: the target's
 * index within its core, its delay and its port packed in 32 bits, and a
 * float32 weight (float32 because trained networks' weights must be applied
 * exactly). Within a segment synapses keep their generation order, which makes
 * every sum independent of the mapping. A fixed-point projection's synapses
 * hold its effective integer weights (sm_proj_fixed_weight), exact in float. */
#ifndef SM_SYNTAB_H
#define SM_SYNTAB_H

#include <stdint.h>

#include "net.h"
#include "sm_error.h"

#define SM_SYN_DELAY_SHIFT 1
#define SM_SYN_DELAY_MASK 0x1FFu
#define SM_SYN_LOCAL_SHIFT 10
#define SM_MAX_DELAY 511u
#define SM_MAX_CORE_NEURONS (1u << 22)

typedef struct {
    uint32_t tgt;   /* local << 10 | delay << 1 | port */
    float w;
} sm_syn_t;

/* 8 bytes: a segment ends where the next one starts (or at the row's end),
 * and its delay-0 synapses come first, so neither needs storing. */
typedef struct {
    uint32_t core;  /* target core                                  */
    uint32_t off;   /* segment start, relative to the source's row   */
} sm_fan_t;

/* Structured synapses. A conv2d projection with one delay, or a matrix
 * projection, is not expanded: each (source, target core) pair it connects
 * holds one entry in the row, a sentinel whose local is SM_SYN_STRUCT, with
 * the projection's delay and port, and whose weight field holds (as bits)
 * the index of its sm_synstruct_t. Delivering it applies the source's
 * kernel taps (conv_taps.h) or matrix column onto that core's targets: the
 * same additions, in the same event order, as the expanded synapses would
 * make (a target takes one synapse per source and projection, and a zero
 * weight, which the expansion skips, adds a zero that changes no sum), and
 * the same synaptic event count, fan-out entries, packets and hops. A conv
 * layer then costs O(kernel + neurons) instead of O(synapses), and a matrix
 * 4 bytes per weight instead of 8. */
#define SM_SYN_STRUCT (SM_MAX_CORE_NEURONS - 1)
#define SM_SYN_STRUCT_META 0x8000u  /* build-time flag */

/* The targets of a structured projection on one core: target indices
 * [lo, hi) of its target population, at locals l0 + (index - lo) when
 * `contig`; else looked up per target (tgt_core, tgt_local). */
typedef struct {
    uint32_t core, lo, hi, l0;
    uint32_t contig;
    uint32_t oc_lo, oc_hi;      /* conv: output channels with targets here    */
} sm_stseg_t;

/* The kernel taps along one axis that input position p reaches: entries
 * off[p] .. off[p + 1] of k (kernel index) and o (output position). */
typedef struct {
    uint32_t *off;
    uint16_t *k;
    uint32_t *o;
} sm_staxis_t;

typedef enum { SM_ST_CONV = 0, SM_ST_MATRIX } sm_stkind_t;

typedef struct {
    sm_stkind_t kind;
    const sm_proj_t *pr;        /* the projection, in the net                 */
    uint32_t src_first, src_size, dst_first, dst_size;
    uint32_t port, delay;
    sm_stseg_t *seg;            /* one per core holding targets, by core      */
    uint32_t n_seg;
    uint32_t *seg_of;           /* core -> index into seg (UINT32_MAX: none),
                                   for cores below n_seg_of                    */
    uint32_t n_seg_of;
    uint32_t *tgt_core, *tgt_local; /* per target index                       */
    uint32_t has_zero;          /* some weight is zero (taps not to count)     */
    /* The only projection from its source population onto its target
     * population: a target's input from one source comes from it alone. */
    uint32_t sole;
    /* conv */
    sm_staxis_t rows, cols;
    uint32_t *src_pos;          /* per source: row << 16 | column, or NULL     */
    /* Per output row (channel * out_h + row): the core holding the whole row
     * at consecutive locals from row_l0, or UINT32_MAX when it is split. */
    uint32_t *row_core, *row_l0;
    /* matrix: the weights by source, [src][dst] */
    float *mt;
} sm_synstruct_t;

typedef struct {
    uint32_t n_gids;
    uint64_t *row;      /* n_gids + 1: synapse row of each source          */
    uint64_t *fan_off;  /* n_gids + 1: fan-out entries of each source       */
    sm_fan_t *fan;
    uint8_t *fan_kind;  /* per fan-out entry: SM_FAN_D0 | SM_FAN_DL            */
    uint64_t n_fan;
    sm_syn_t *syn;
    uint64_t n_syn;
    /* Only when the table holds one shard's cores (a worker process): for
     * each source on those cores, the other cores its spikes go to, 4 bytes
     * each: core | SM_ROUTE_D0 (has delay-0 synapses) | SM_ROUTE_DL. */
    uint64_t *route_off;    /* n_gids + 1, or NULL                            */
    uint32_t *route;
    uint64_t n_route;
    sm_synstruct_t *st;     /* structured projections                         */
    uint32_t n_st;
    uint64_t n_struct_syn;  /* synapses they stand for (on the cores kept)     */
    const uint32_t *core_of, *local_of; /* the mapping, for structured targets */
    uint32_t min_delay; /* smallest delay >= 1 (UINT32_MAX if none)          */
    uint32_t max_delay;
    int has_delay0;
    /* NULL, or one bit per synapse (by index in syn): a binary Dense, whose
     * synapse counts an event of any count as 1 (sm_proj_t.clamp). */
    uint64_t *binary;
} sm_syntab_t;

/* What a fan-out entry's segment holds: delay-0 synapses, delayed ones. */
#define SM_FAN_D0 1u
#define SM_FAN_DL 2u

#define SM_ROUTE_D0 (1u << 31)
#define SM_ROUTE_DL (1u << 30)
#define SM_ROUTE_CORE(x) ((x) & 0x3FFFFFFFu)

/* Expands every projection of net into the table, placing targets by the
 * mapping (core_of, local_of indexed by gid). With `local` (one flag per
 * core), only synapses onto local cores are kept, and sources on local cores
 * get routes to the other cores their spikes reach. NULL: every core. */
int sm_syntab_build(sm_syntab_t *t, const sm_net_t *net, const uint32_t *core_of,
                    const uint32_t *local_of, const uint8_t *local, sm_error_t *err);
/* The same table, built on up to `threads` threads where that is the same
 * work split (projections generated by target ranges, rows filled by source
 * ranges): byte for byte what sm_syntab_build gives. */
int sm_syntab_build_par(sm_syntab_t *t, const sm_net_t *net, const uint32_t *core_of,
                        const uint32_t *local_of, const uint8_t *local, uint32_t threads,
                        sm_error_t *err);
void sm_syntab_fini(sm_syntab_t *t);

/* The targets on `core` of structured projection st, or NULL. */
const sm_stseg_t *sm_synstruct_seg_search(const sm_synstruct_t *st, uint32_t core);
static inline const sm_stseg_t *sm_synstruct_seg(const sm_synstruct_t *st, uint32_t core)
{
    if (core < st->n_seg_of) {
        uint32_t i = st->seg_of[core];
        return i == UINT32_MAX ? NULL : &st->seg[i];
    }
    return sm_synstruct_seg_search(st, core);
}

/* The structured projection of a sentinel entry. */
static inline uint32_t sm_syn_struct_index(const sm_syn_t *s)
{
    union { float f; uint32_t u; } x = {.f = s->w};
    return x.u;
}

/* The first of entries [lo, hi) of one source (in core order) whose core is
 * at least `core`, by halving; hi if none. */
static inline uint64_t sm_syntab_lower(const sm_syntab_t *t, uint64_t lo, uint64_t hi,
                                       uint32_t core)
{
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->fan[mid].core < core)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The fan-out entry for core among entries [lo, hi) of one source (in core
 * order); UINT64_MAX if none. Inline: the shard's receive path calls it per
 * entry. */
static inline uint64_t sm_syntab_search(const sm_syntab_t *t, uint64_t lo, uint64_t hi,
                                        uint32_t core)
{
    lo = sm_syntab_lower(t, lo, hi, core);
    return lo < hi && t->fan[lo].core == core ? lo : UINT64_MAX;
}

/* The fan-out entry of source gid for core, or UINT64_MAX if none. */
uint64_t sm_syntab_find(const sm_syntab_t *t, uint32_t gid, uint32_t core);

static inline uint32_t sm_syn_local(uint32_t tgt) { return tgt >> SM_SYN_LOCAL_SHIFT; }
static inline uint32_t sm_syn_delay(uint32_t tgt) { return (tgt >> SM_SYN_DELAY_SHIFT) & SM_SYN_DELAY_MASK; }
static inline uint32_t sm_syn_port(uint32_t tgt) { return tgt & 1u; }

/* The count an event of `count` spikes delivers through synapse s. */
static inline float sm_syn_count(const sm_syntab_t *t, const sm_syn_t *s, float count)
{
    uint64_t i = (uint64_t)(s - t->syn);
    return (t->binary[i >> 6] >> (i & 63)) & 1u ? 1.0f : count;
}

/* Number of synapses in fan-out entry f of source gid. */
static inline uint32_t sm_fan_len(const sm_syntab_t *t, uint32_t gid, uint64_t f)
{
    uint64_t end = f + 1 < t->fan_off[gid + 1] ? t->fan[f + 1].off : t->row[gid + 1] - t->row[gid];
    return (uint32_t)(end - t->fan[f].off);
}

/* The segment of fan-out entry f. */
static inline const sm_syn_t *sm_fan_syn(const sm_syntab_t *t, uint32_t gid, uint64_t f)
{
    return t->syn + t->row[gid] + t->fan[f].off;
}

/* Delay-0 synapses lead a segment; these say whether it has any of either. */
static inline int sm_seg_has_delay0(const sm_syn_t *s, uint32_t len)
{
    return len && sm_syn_delay(s[0].tgt) == 0;
}
static inline int sm_seg_has_delayed(const sm_syn_t *s, uint32_t len)
{
    return len && sm_syn_delay(s[len - 1].tgt) != 0;
}
static inline uint32_t sm_seg_n0(const sm_syn_t *s, uint32_t len)
{
    uint32_t n = 0;
    while (n < len && sm_syn_delay(s[n].tgt) == 0)
        n++;
    return n;
}

#endif
