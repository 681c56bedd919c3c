/* engine: builds the cores, the synapse table and the shards, runs the shards
 * on threads and gathers the result. The tick loop is in shard.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cost.h"
#include "engine_int.h"
#include "hugemem.h"

void sm_run_opts_default(sm_run_opts_t *o)
{
    memset(o, 0, sizeof *o);
}


static void s_engine_fini(sm_engine_t *e)
{
    if (!e)
        return;
    if (e->shards)
        for (uint32_t i = 0; i < e->n_shards; i++)
            sm_shard_fini(&e->shards[i]);
    free(e->shards);
    /* After the shards: they close their links first. */
    sm_linkctx_destroy(&e->links);
    if (e->cores)
        for (uint32_t i = 0; i < e->n_cores; i++)
            sm_core_fini(&e->cores[i], &e->cx);
    free(e->cores);
    sm_huge_free(e->cells);
    if (e->kern)
        for (uint32_t p = 0; p < e->net->n_pops; p++)
            free(e->kern[p]);
    free(e->kern);
    if (e->pop_models)
        for (uint32_t p = 0; p < e->net->n_pops; p++)
            free(e->pop_models[p]);
    free(e->pop_models);
    free(e->shard_of_core);
    free(e->shard_first);
    free(e->local_of);
    free(e->emits);
    free(e->row_src);
    free(e->emit_packets);
    free(e->emit_hops);
    free(e->tick_cnt);
    free(e->tick_busy);
    free(e->neg);
    free(e->probe_gid);
    free(e->d0_link);
    free(e->dl_link);
    sm_syntab_fini(&e->tab);
    sm_mapping_destroy(&e->own_map);
}

static int s_build_cores(sm_engine_t *e, sm_error_t *err)
{
    const sm_net_t *net = e->net;
    e->cores = aligned_alloc(64, (size_t)e->n_cores * sizeof *e->cores);
    if (e->cores)
        memset(e->cores, 0, (size_t)e->n_cores * sizeof *e->cores);
    e->pop_models = calloc(net->n_pops, sizeof *e->pop_models);
    if (!e->cores || !e->pop_models)
        return sm_fail(err, SM_ENOMEM, "out of memory for %u cores", e->n_cores);
    e->cx.cores = e->cores;
    /* Constant current sources act as extra bias, so the models' closed forms
     * still hold. */
    for (uint32_t p = 0; p < net->n_pops; p++) {
        const sm_pop_t *pop = &net->pops[p];
        if (pop->kind != SM_POP_NEURONS)
            continue;
        e->pop_models[p] = malloc(pop->n_models * sizeof **e->pop_models);
        if (!e->pop_models[p])
            return sm_fail(err, SM_ENOMEM, "out of memory for models");
        memcpy(e->pop_models[p], pop->models, pop->n_models * sizeof **e->pop_models);
        for (uint32_t k = 0; k < net->n_currents; k++)
            if (net->currents[k].pop == p)
                for (uint32_t i = 0; i < pop->n_models; i++)
                    e->pop_models[p][i].bias += (float)net->currents[k].amplitude;
        /* One model for the whole population: resolved once for the
         * updates (the event engine's; the dense one steps through it too). */
        if (pop->n_models == 1) {
            if (!e->kern && !(e->kern = calloc(net->n_pops, sizeof *e->kern)))
                return sm_fail(err, SM_ENOMEM, "out of memory for models");
            if (!(e->kern[p] = malloc(sizeof *e->kern[p])))
                return sm_fail(err, SM_ENOMEM, "out of memory for models");
            sm_kern_init(e->kern[p], &e->pop_models[p][0]);
        }
    }
    e->cx.kern = e->kern;
    for (uint32_t g = 0; g < net->n_neurons; g++)
        e->cores[e->core_of[g]].n++;
    /* All cells in one block, on huge pages where the system allows: a
     * synaptic event's target is a cell anywhere in it, and on 4 KB pages
     * each would be a TLB miss too. */
    size_t n_cells = 0;
    for (uint32_t c = 0; c < e->n_cores; c++)
        n_cells += e->cores[c].n ? e->cores[c].n : 1;
    if (!(e->cells = sm_huge_alloc(n_cells * sizeof *e->cells)))
        return sm_fail(err, SM_ENOMEM, "out of memory for %zu neuron cells", n_cells);
    n_cells = 0;
    for (uint32_t c = 0; c < e->n_cores; c++) {
        if (sm_core_init(&e->cores[c], &e->cx, c, c % e->width, c / e->width, e->cores[c].n,
                         e->cells + n_cells, err))
            return -1;
        n_cells += e->cores[c].n ? e->cores[c].n : 1;
    }
    for (uint32_t p = 0; p < net->n_pops; p++) {
        const sm_pop_t *pop = &net->pops[p];
        for (uint32_t i = 0; i < pop->size; i++) {
            uint32_t g = pop->first + i;
            const sm_model_t *m = pop->kind == SM_POP_NEURONS
                                      ? &e->pop_models[p][pop->n_models == 1 ? 0 : i]
                                      : NULL;
            sm_core_place(&e->cores[e->core_of[g]], e->local_of[g], g, p, pop, i, m);
        }
    }
    for (uint32_t c = 0; c < e->n_cores; c++)
        if (sm_core_seal(&e->cores[c], &e->cx, err))
            return -1;
    return 0;
}

/* The mesh is cut along its longer side: columns if it is at least as wide as
 * tall, else rows. Each line's neuron count goes into per_line. */
static uint32_t s_lines(const sm_engine_t *e, const uint32_t *count, uint64_t *per_line,
                        uint32_t *busy)
{
    int by_col = e->width >= e->height;
    uint32_t lines = by_col ? e->width : e->height, other = by_col ? e->height : e->width;
    *busy = 0;
    for (uint32_t a = 0; a < lines; a++) {
        per_line[a] = 0;
        for (uint32_t b = 0; b < other; b++)
            per_line[a] += count[by_col ? b * e->width + a : a * e->width + b];
        *busy += per_line[a] > 0;
    }
    return lines;
}

/* Cuts the mesh into N shards, each a rectangle of whole lines, as a chip of
 * a board would be, balancing neurons: a worker's shard. Every shard gets at
 * least one line with neurons (N <= busy lines); empty lines go with their
 * neighbours. */
static void s_cut_lines(sm_engine_t *e, const uint64_t *per_line, uint32_t lines, uint32_t busy,
                        uint32_t N)
{
    int by_col = e->width >= e->height;
    uint32_t other = by_col ? e->height : e->width;
    uint64_t total = 0, acc = 0;
    for (uint32_t a = 0; a < lines; a++)
        total += per_line[a];
    uint32_t s = 0, busy_in_s = 0, busy_left = busy;
    for (uint32_t a = 0; a < lines; a++) {
        if (per_line[a]) {
            /* Move on once this shard has its share, or when the busy lines
             * left are just enough for one per shard to come. */
            if (s + 1 < N && busy_in_s > 0 &&
                (acc >= total * (s + 1) / N || busy_left <= N - 1 - s)) {
                s++;
                busy_in_s = 0;
            }
            busy_in_s++;
            busy_left--;
        }
        for (uint32_t b = 0; b < other; b++)
            e->shard_of_core[by_col ? b * e->width + a : a * e->width + b] = s;
        acc += per_line[a];
    }
}

/* The same walk core by core for threads, in id order (row after row): they
 * share one process and one table, so a shard may end inside a line, and a
 * shard that is a range of core ids finds its part of a row's fan-out
 * entries (in core order) by bisection (sm_core_ctx_t.shard_first). Lines'
 * neurons rarely split evenly (CUBA 64k on 16 x 16 cores of 250: whole
 * columns give 32,768 and 31,232 neurons), and the larger shard sets the
 * pace of all of them, every window. A shard ends before the core that
 * would take it further past its share than it stops short of it; every
 * shard gets at least one core with neurons (N <= busy lines <= busy
 * cores). */
static void s_cut_cores(sm_engine_t *e, const uint32_t *count, uint32_t N)
{
    uint64_t total = 0, acc = 0;
    uint32_t busy_left = 0;
    for (uint32_t c = 0; c < e->n_cores; c++) {
        total += count[c];
        busy_left += count[c] > 0;
    }
    uint32_t s = 0, busy_in_s = 0;
    for (uint32_t c = 0; c < e->n_cores; c++) {
        if (count[c]) {
            if (s + 1 < N && busy_in_s > 0 &&
                (2 * acc + count[c] > 2 * (total * (s + 1) / N) || busy_left <= N - 1 - s)) {
                s++;
                busy_in_s = 0;
            }
            busy_in_s++;
            busy_left--;
        }
        e->shard_of_core[c] = s;
        acc += count[c];
    }
}

/* The first core of each shard (n_shards + 1 entries), when there are
 * several and every shard is a range of core ids; NULL otherwise or without
 * memory (row delivery then walks the whole row, one shard's all of it). */
static uint32_t *s_shard_first(const sm_engine_t *e)
{
    if (e->n_shards < 2)
        return NULL;
    for (uint32_t c = 1; c < e->n_cores; c++)
        if (e->shard_of_core[c] < e->shard_of_core[c - 1])
            return NULL;
    uint32_t *first = malloc(((size_t)e->n_shards + 1) * sizeof *first);
    if (!first)
        return NULL;
    for (uint32_t b = 0, c = 0; b <= e->n_shards; b++) {
        while (c < e->n_cores && e->shard_of_core[c] < b)
            c++;
        first[b] = c;
    }
    return first;
}

/* The default thread count: shards exchange their spikes once per window
 * (the shortest delay) at a cost of some microseconds each, which a small
 * network's window of work does not repay; so one thread per
 * SM_SYN_PER_THREAD expected synapses, at most one per CPU. */
#define SM_SYN_PER_THREAD 2e6

uint32_t sm_engine_default_threads(const sm_net_t *net)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t cpus = n > 0 ? (uint32_t)n : 1;
    sm_cost_t cost;
    sm_cost_estimate(net, 0, 0, &cost);
    double t = cost.synapses / SM_SYN_PER_THREAD;
    if (!(t >= 1.0))
        return 1;
    return t < (double)cpus ? (uint32_t)t : cpus;
}

/* Chooses the number of shards and cuts the mesh, from the neurons per core;
 * before anything else is built, so that a worker builds only its part. */
static int s_plan_shards(sm_engine_t *e, const uint32_t *count, uint32_t forced, sm_error_t *err)
{
    uint32_t threads = forced ? forced : e->opts.threads;
    if (!threads)
        threads = sm_engine_default_threads(e->net);
    uint32_t maxdim = e->width > e->height ? e->width : e->height;
    uint64_t *per_line = malloc(((size_t)maxdim + 1) * sizeof *per_line);
    e->shard_of_core = calloc(e->n_cores, sizeof *e->shard_of_core);
    if (!per_line || !e->shard_of_core) {
        free(per_line);
        return sm_fail(err, SM_ENOMEM, "out of memory for shards");
    }
    uint32_t busy, lines = s_lines(e, count, per_line, &busy);
    if (forced && (forced > busy || forced > SM_MAX_SHARDS)) {
        free(per_line);
        return sm_fail(err, SM_EINVAL,
                       "%u workers, but only %u %s of the %u x %u mesh hold neurons (at most %u "
                       "workers; use --mesh or --neurons-per-core to spread the network)",
                       forced, busy, e->width >= e->height ? "columns" : "rows", e->width,
                       e->height, SM_MAX_SHARDS);
    }
    uint32_t cap = busy ? busy : 1;
    if (cap > SM_MAX_SHARDS)
        cap = SM_MAX_SHARDS;
    e->n_shards = forced ? forced : (threads < cap ? threads : cap);
    if (forced)
        s_cut_lines(e, per_line, lines, busy, e->n_shards);
    else
        s_cut_cores(e, count, e->n_shards);
    free(per_line);
    e->shard_first = s_shard_first(e);
    return 0;
}

static int s_build_shards(sm_engine_t *e, sm_error_t *err)
{
    uint32_t N = e->n_shards;
    e->shards = calloc(N, sizeof *e->shards);
    e->d0_link = calloc((size_t)N * N, 1);
    e->dl_link = calloc((size_t)N * N, 1);
    if (!e->shards || !e->d0_link || !e->dl_link)
        return sm_fail(err, SM_ENOMEM, "out of memory for shards");
    for (uint32_t c = 0; c < e->n_cores; c++)
        e->cores[c].shard = e->shard_of_core[c];
    for (uint32_t i = 0; i < N; i++) {
        sm_shard_t *sh = &e->shards[i];
        sh->e = e;
        sh->id = i;
        sh->cores = malloc(e->n_cores * sizeof *sh->cores);
        sh->out_same = calloc(N, sizeof *sh->out_same);
        sh->out_win = calloc(N, sizeof *sh->out_win);
        sh->fifo = calloc(N, sizeof *sh->fifo);
        sh->out = calloc(N, sizeof *sh->out);
        sh->probes = malloc((e->res->n_probes + 1) * sizeof *sh->probes);
        sh->active = calloc(e->cx.ring, sizeof *sh->active);
        sh->acked = malloc(N * sizeof *sh->acked);
        sm_batch_init(&sh->credit);
        for (uint32_t k = 0; sh->acked && k < N; k++)
            sh->acked[k] = -1;
        if (!sh->cores || !sh->out_same || !sh->out_win || !sh->fifo ||
            !sh->out || !sh->probes || !sh->active || !sh->acked)
            return sm_fail(err, SM_ENOMEM, "out of memory for shards");
    }
    for (uint32_t c = 0; c < e->n_cores; c++) {
        sm_shard_t *sh = &e->shards[e->shard_of_core[c]];
        sh->cores[sh->n_cores++] = c;
    }
    for (uint32_t p = 0; p < e->res->n_probes; p++) {
        sm_shard_t *sh = &e->shards[e->shard_of_core[e->core_of[e->probe_gid[p]]]];
        sh->probes[sh->n_probes++] = p;
    }
    /* Which shards feed which, and how: this fixes the messages each tick.
     * A neuron emits at most once a tick, one entry per fan-out entry, so a
     * window's batch holds at most `window` entries per fan-out entry from
     * the sending shard onto the receiving one. One shard feeds none. */
    for (uint32_t g = 0; N > 1 && g < e->net->n_neurons; g++) {
        uint32_t a = e->shard_of_core[e->core_of[g]];
        for (uint64_t f = e->tab.fan_off[g]; f < e->tab.fan_off[g + 1]; f++) {
            uint32_t b = e->shard_of_core[e->tab.fan[f].core];
            if (a == b)
                continue;
            e->shards[b].in_max += e->window;
            (e->tab.fan_kind[f] & SM_FAN_D0 ? e->d0_link : e->dl_link)[a * N + b] = 1;
        }
        if (e->tab.route_off)
            for (uint64_t r = e->tab.route_off[g]; r < e->tab.route_off[g + 1]; r++) {
                uint32_t b = e->shard_of_core[SM_ROUTE_CORE(e->tab.route[r])];
                (e->tab.route[r] & SM_ROUTE_D0 ? e->d0_link : e->dl_link)[a * N + b] = 1;
            }
    }
    return 0;
}

static void s_barrier_wait(sm_engine_t *e)
{
    pthread_mutex_lock(&e->bar_mu);
    uint32_t gen = e->bar_gen;
    if (++e->bar_have >= e->bar_need) {
        e->bar_have = 0;
        e->bar_gen++;
        pthread_cond_broadcast(&e->bar_cv);
    } else {
        while (gen == e->bar_gen)
            pthread_cond_wait(&e->bar_cv, &e->bar_mu);
    }
    pthread_mutex_unlock(&e->bar_mu);
}

/* One party fewer, from now on (a thread that never started). */
static void s_barrier_drop(sm_engine_t *e)
{
    pthread_mutex_lock(&e->bar_mu);
    e->bar_need--;
    if (e->bar_have && e->bar_have >= e->bar_need) {
        e->bar_have = 0;
        e->bar_gen++;
        pthread_cond_broadcast(&e->bar_cv);
    }
    pthread_mutex_unlock(&e->bar_mu);
}

void sm_engine_link_opts(const sm_engine_t *e, uint32_t shard, sm_link_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->n_gids = e->net->n_neurons;
    o->n_cores = e->n_cores;
    o->window = e->window;
    o->max_entries = e->shards[shard].in_max;
    o->rows = e->xrow;
    o->curve_public = e->curve_public;
    o->curve_secret = e->curve_secret;
}

/* Listens for shard sh's batches, unless it already does (a worker). */
static int s_listen(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    char ep[512];
    sm_link_opts_t o;
    sm_engine_link_opts(e, sh->id, &o);
    if (e->link->endpoint(ep, sizeof ep, e->run_id, sh->id, NULL))
        return sm_fail(&sh->err, SM_EINVAL, "shard %u: endpoint too long for run %s", sh->id,
                       e->run_id);
    if (!(sh->in = e->link->listen(e->links, ep, &o, &sh->err))) {
        sm_error_prefix(&sh->err, "shard %u: ", sh->id);
        return -1;
    }
    return 0;
}

/* Dials every shard that sh feeds or is fed by: spikes go to the shards fed,
 * credits back to the feeders. */
static int s_dial(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    uint32_t N = e->n_shards;
    char ep[512];
    sm_link_opts_t o;
    sm_engine_link_opts(e, sh->id, &o);
    for (uint32_t b = 0; b < N; b++) {
        if (!e->d0_link[sh->id * N + b] && !e->dl_link[sh->id * N + b] &&
            !e->d0_link[b * N + sh->id] && !e->dl_link[b * N + sh->id])
            continue;
        const char *to = e->endpoints ? e->endpoints[b] : ep;
        if (!e->endpoints && e->link->endpoint(ep, sizeof ep, e->run_id, b, NULL))
            return sm_fail(&sh->err, SM_EINVAL, "shard %u: endpoint too long for run %s", sh->id,
                           e->run_id);
        if (!(sh->out[b] = e->link->dial(e->links, to, &o, &sh->err))) {
            sm_error_prefix(&sh->err, "shard %u: cannot reach shard %u: ", sh->id, b);
            return -1;
        }
    }
    return 0;
}

/* Scratch for s_route_core: packets per target core, and which are set. */
typedef struct {
    uint64_t *per;
    uint32_t *to, n;
} s_dsts_t;

/* pk packets from c to core `to`, along their route. */
static void s_route_pair(sm_core_t *c, sm_mesh_t *mesh, uint32_t to, uint64_t pk)
{
    c->cnt.packets_out += pk;
    c->cnt.hops += pk * sm_mesh_route(mesh, c->id, to, pk, NULL);
}

/* pk packets from c to core `to`: into d, or (d NULL: a mesh too large for
 * the scratch) routed at once. */
static void s_dst_add(s_dsts_t *d, sm_core_t *c, sm_mesh_t *mesh, uint32_t to, uint64_t pk)
{
    if (!d) {
        s_route_pair(c, mesh, to, pk);
        return;
    }
    if (!d->per[to])
        d->to[d->n++] = to;
    d->per[to] += pk;
}

/* Expands core c's emission counts along their routes: its packets and hops,
 * and each link's packets into mesh. xrecv: where the events of c's row
 * sources to other shards' cores are counted (their shards may still be
 * running); NULL: into the cores. The
 * packets of all of c's neurons to one core take one route walk (CUBA 64k:
 * 4.4 M fan-out entries, 65,000 core pairs): the same integer sums. */
static void s_route_core(const sm_engine_t *e, sm_core_t *c, sm_mesh_t *mesh, uint64_t *xrecv,
                         s_dsts_t *d)
{
    for (uint32_t l = 0; l < c->n; l++) {
        uint32_t g = c->gid[l];
        uint64_t pk = e->emits[g];
        if (!pk)
            continue;
        /* Each emission sent one packet to every target core (which a row
         * source's targets count here rather than live: on this shard, and
         * with xrow on every shard). */
        const int xrow = e->xrow && e->row_src[g] == SM_ROW_PART_DL;
        for (uint64_t f = e->tab.fan_off[g]; f < e->tab.fan_off[g + 1]; f++) {
            const uint32_t to = e->tab.fan[f].core;
            s_dst_add(d, c, mesh, to, pk);
            if (!e->row_src[g])
                continue;
            if (e->cores[to].shard == c->shard)
                e->cores[to].cnt.events_received += pk;
            else if (xrow)
                *(xrecv ? &xrecv[to] : &e->cores[to].cnt.events_received) += pk;
        }
        if (e->tab.route_off)
            for (uint64_t r = e->tab.route_off[g]; r < e->tab.route_off[g + 1]; r++)
                s_dst_add(d, c, mesh, SM_ROUTE_CORE(e->tab.route[r]), pk);
    }
    for (uint32_t i = 0; d && i < d->n; i++) {
        s_route_pair(c, mesh, d->to[i], d->per[d->to[i]]);
        d->per[d->to[i]] = 0;
    }
    if (d)
        d->n = 0;
}

/* The scratch (12 bytes a core), or NULL (a mesh of more than 2^16 cores,
 * or no memory). */
static s_dsts_t *s_dsts_new(s_dsts_t *d, uint32_t n_cores)
{
    if (n_cores > 65536u)
        return NULL;
    d->per = calloc(n_cores, sizeof *d->per);
    d->to = malloc((size_t)n_cores * sizeof *d->to);
    d->n = 0;
    if (d->per && d->to)
        return d;
    free(d->per);
    free(d->to);
    return NULL;
}

static void s_dsts_destroy(s_dsts_t **d)
{
    if (*d) {
        free((*d)->per);
        free((*d)->to);
        *d = NULL;
    }
}

/* Threads of one run expand their own cores' routes once their run is done,
 * each into links of its own (added up by the gather: integers, so in any
 * order), rather than one thread all of them after the others (CUBA 64k:
 * 2.6% of one thread's instructions). Not for a mesh so large that a copy of
 * its links per shard would cost much memory: the gather does those. */
#define SM_ROUTE_PAR_CORES 65536u

static int s_route_shard(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    if (e->local_n < 2 || e->n_cores > SM_ROUTE_PAR_CORES)
        return 0;
    size_t n_links = (size_t)e->n_cores * SM_DIRS;
    if (!sh->links && !(sh->links = malloc(n_links * sizeof *sh->links)))
        return 0;
    if (e->xrow && !sh->xrecv && !(sh->xrecv = calloc(e->n_cores, sizeof *sh->xrecv)))
        return 0;
    memset(sh->links, 0, n_links * sizeof *sh->links);
    if (sh->xrecv)
        memset(sh->xrecv, 0, e->n_cores * sizeof *sh->xrecv);
    sm_mesh_t mesh = {.width = e->width, .height = e->height, .link = sh->links};
    s_dsts_t space, *d = s_dsts_new(&space, e->n_cores);
    for (uint32_t k = 0; k < sh->n_cores; k++)
        s_route_core(e, &e->cores[sh->cores[k]], &mesh, sh->xrecv, d);
    s_dsts_destroy(&d);
    sh->routed = 1;
    return 0;
}

static void *s_thread(void *arg)
{
    sm_shard_t *sh = arg;
    sm_engine_t *e = sh->e;
    uint32_t N = e->n_shards;
    int ok = !(N > 1 && !sh->in && s_listen(sh));
    /* Everyone listens before anyone dials. */
    s_barrier_wait(e);
    if (e->ctl_ready && ok)
        ok = e->ctl_ready(e->ctl, sh) == 0;
    if (N > 1 && ok)
        ok = s_dial(sh) == 0;
    if (e->ctl_start && ok)
        ok = e->ctl_start(e->ctl, sh) == 0;
    if (ok)
        ok = sm_shard_prepare(sh) == 0 && sm_shard_run(sh) == 0 && s_route_shard(sh) == 0;
    if (!ok) {
        sh->failed = 1;
        atomic_store(&e->abort, 1);
    }
    /* Nobody closes a link while another shard may still use it. */
    s_barrier_wait(e);
    /* A failed run's peers (other workers) will not read what is still
     * queued for them: closing must not wait to deliver it. */
    int failed = atomic_load(&e->abort);
    for (uint32_t b = 0; b < N; b++) {
        if (failed)
            e->link->drop(sh->out[b]);
        e->link->close(&sh->out[b]);
    }
    e->link->close(&sh->in);
    return NULL;
}

/* Which sources send one window event for their row on their own shard
 * instead of one per target core there: their synapses on that shard all
 * delayed, none structured (so its thread delivers that part in the
 * canonical order on its own). SM_ROW_ALL: every target core is on their
 * shard; SM_ROW_PART: the others get one entry per core, as before. The
 * row is walked at delivery in fan-out order, the order the events one per
 * core would have had, so every sum is the same. */
static int s_row_sources(sm_engine_t *e, sm_error_t *err)
{
    const sm_syntab_t *t = &e->tab;
    const uint32_t n = e->net->n_neurons;
    if (!(e->row_src = calloc((size_t)n + 1, 1)))
        return sm_fail(err, SM_ENOMEM, "out of memory");
    if (t->n_st || e->n_shards > SM_WEV_MAX_SHARDS)
        return 0;
    for (uint32_t g = 0; g < n; g++) {
        const uint32_t own = e->shard_of_core[e->core_of[g]];
        const int routed = t->route_off && t->route_off[g + 1] > t->route_off[g];
        int ok = 1, mine = 0, all = !routed, dl = !routed;
        for (uint64_t f = t->fan_off[g]; f < t->fan_off[g + 1] && ok; f++) {
            const int here = e->shard_of_core[t->fan[f].core] == own;
            ok = !here || t->fan_kind[f] == SM_FAN_DL;
            dl &= t->fan_kind[f] == SM_FAN_DL;
            mine += here;
            all &= here;
        }
        e->row_src[g] = (uint8_t)(!ok || !mine ? 0
                                  : all        ? SM_ROW_ALL
                                  : dl         ? SM_ROW_PART_DL
                                               : SM_ROW_PART);
    }
    return 0;
}

static inline uint32_t s_hops(const uint32_t *cx, const uint32_t *cy, uint32_t a, uint32_t b)
{
    return (cx[a] > cx[b] ? cx[a] - cx[b] : cx[b] - cx[a]) +
           (cy[a] > cy[b] ? cy[a] - cy[b] : cy[b] - cy[a]);
}

/* The packets and hops of one emission of each neuron, as the gather
 * counts them, so that the per-tick series adds them as the spikes go. A
 * route's hops are the Manhattan distance sm_mesh_route returns; the cores'
 * coordinates are taken once here instead of divided out per fan-out entry
 * (CUBA 64k: 4.4 M entries, 200 M instructions that way). */
static int s_emit_costs(sm_engine_t *e, sm_error_t *err)
{
    uint32_t n = e->net->n_neurons;
    e->emit_packets = calloc((size_t)n + 1, sizeof *e->emit_packets);
    e->emit_hops = calloc((size_t)n + 1, sizeof *e->emit_hops);
    uint32_t *cx = malloc(((size_t)e->n_cores + 1) * 2 * sizeof *cx);
    if (!e->emit_packets || !e->emit_hops || !cx) {
        free(cx);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    uint32_t *cy = cx + e->n_cores + 1;
    for (uint32_t c = 0; c < e->n_cores; c++) {
        cx[c] = c % e->width;
        cy[c] = c / e->width;
    }
    int rc = 0;
    for (uint32_t g = 0; g < n && !rc; g++) {
        uint32_t src = e->core_of[g];
        uint64_t pk = 0, hops = 0;
        for (uint64_t f = e->tab.fan_off[g]; f < e->tab.fan_off[g + 1]; f++, pk++)
            hops += s_hops(cx, cy, src, e->tab.fan[f].core);
        if (e->tab.route_off)
            for (uint64_t r = e->tab.route_off[g]; r < e->tab.route_off[g + 1]; r++, pk++)
                hops += s_hops(cx, cy, src, SM_ROUTE_CORE(e->tab.route[r]));
        if (pk > UINT32_MAX || hops > UINT32_MAX)
            rc = sm_fail(err, SM_ETOOBIG, "neuron %u: %llu packets per spike", g,
                         (unsigned long long)pk);
        e->emit_packets[g] = (uint32_t)pk;
        e->emit_hops[g] = (uint32_t)hops;
    }
    free(cx);
    return rc;
}

/* The per-tick series into r: the engine's arrays handed over (the next run
 * allocates its own), the busiest core's bits made the doubles they are. */
static int s_gather_ticks(sm_engine_t *e, sm_result_t *r, sm_error_t *err)
{
    if (!e->tick_cnt || r->ticks != e->ticks)
        return sm_fail(err, SM_EINVAL, "the engine recorded no per-tick series for this result");
    free(r->tick_cnt);
    r->tick_cnt = e->tick_cnt;
    e->tick_cnt = NULL;
    free(r->tick_busy_ns);
    r->tick_busy_ns = NULL;
    if (!e->tick_busy)
        return 0;
    /* In place: allocated storage takes the type of what is stored in it. */
    _Static_assert(sizeof(double) == sizeof(uint64_t), "a double in 64 bits");
    double *busy = (double *)(void *)e->tick_busy;
    for (uint32_t t = 0; t < e->ticks; t++) {
        double v;
        uint64_t bits = e->tick_busy[t];
        memcpy(&v, &bits, sizeof v);
        busy[t] = v;
    }
    r->tick_busy_ns = busy;
    e->tick_busy = NULL;
    return 0;
}

/* The run's per-tick series, zeroed, before its shards start. */
static int s_alloc_ticks(sm_engine_t *e, sm_error_t *err)
{
    const size_t n = (size_t)e->ticks * SM_TICK_N + 1;
    if (!e->tick_cnt && !(e->tick_cnt = malloc(n * sizeof *e->tick_cnt)))
        return sm_fail(err, SM_ENOMEM, "out of memory for the per-tick series of %u ticks",
                       e->ticks);
    memset(e->tick_cnt, 0, n * sizeof *e->tick_cnt);
    if (!e->opts.tick_ns)
        return 0;
    if (!e->tick_busy && !(e->tick_busy = malloc(((size_t)e->ticks + 1) * sizeof *e->tick_busy)))
        return sm_fail(err, SM_ENOMEM, "out of memory for the per-tick series of %u ticks",
                       e->ticks);
    memset(e->tick_busy, 0, ((size_t)e->ticks + 1) * sizeof *e->tick_busy);
    return 0;
}

int sm_engine_gather(sm_engine_t *e, sm_result_t *r, sm_error_t *err)
{
    if (s_gather_ticks(e, r, err))
        return -1;
    for (uint32_t i = e->local_first; i < e->local_first + e->local_n; i++) {
        sm_shard_t *sh = &e->shards[i];
        if (sh->spikes.n && !r->n_spikes) {
            /* The first shard's array is handed over, not copied: at CUBA 64k
             * a second copy of 0.37 M spikes was 4.4 MB of the peak. */
            free(r->spikes);
            r->spikes = sh->spikes.a;
            r->n_spikes = sh->spikes.n;
            r->spikes_cap = sh->spikes.cap;
            sh->spikes.a = NULL;
            sh->spikes.n = sh->spikes.cap = 0;
        } else if (sh->spikes.n && sm_result_add_spikes(r, sh->spikes.a, sh->spikes.n)) {
            return sm_fail(err, SM_ENOMEM, "out of memory for spikes");
        }
        r->wait_seconds += sh->wait_seconds;
        for (uint32_t k = 0; k < sh->n_probes; k++) {
            uint32_t p = sh->probes[k];
            for (uint32_t t = 0; t < r->trace_rows; t++)
                memcpy(&r->trace[((size_t)t * r->n_probes + p) * 3],
                       &e->res->trace[((size_t)t * r->n_probes + p) * 3], 3 * sizeof(float));
        }
    }
    const size_t n_links = (size_t)e->n_cores * SM_DIRS;
    for (uint32_t i = e->local_first; i < e->local_first + e->local_n; i++) {
        const sm_shard_t *sh = &e->shards[i];
        if (sh->routed) {
            for (size_t k = 0; k < n_links; k++)
                r->link_dense[k] += sh->links[k];
            continue;
        }
        sm_mesh_t mesh = {.width = e->width, .height = e->height, .link = r->link_dense};
        s_dsts_t space, *d = s_dsts_new(&space, e->n_cores);
        for (uint32_t k = 0; k < sh->n_cores; k++)
            s_route_core(e, &e->cores[sh->cores[k]], &mesh, NULL, d);
        s_dsts_destroy(&d);
    }
    for (uint32_t i = e->local_first; i < e->local_first + e->local_n; i++)
        for (uint32_t c = 0; e->shards[i].routed && e->shards[i].xrecv && c < e->n_cores; c++)
            e->cores[c].cnt.events_received += e->shards[i].xrecv[c];
    for (uint32_t c = 0; c < e->n_cores; c++) {
        sm_core_t *co = &e->cores[c];
        if (co->shard < e->local_first || co->shard >= e->local_first + e->local_n)
            continue;
        co->cnt.dense_updates = (uint64_t)co->n_model * e->ticks;
        r->cores[c].neurons = co->n;
        sm_counters_add(&r->cores[c].c, &co->cnt);
    }
    return 0;
}


sm_engine_t *sm_engine_new(const sm_net_t *net, const sm_run_opts_t *opts, uint32_t shards,
                           int only_shard, sm_error_t *err)
{
    uint8_t *local = NULL;
    sm_engine_t *e = calloc(1, sizeof *e);
    if (!e) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    e->t_start = sm_now();
    e->net = net;
    if (opts)
        e->opts = *opts;
    /* Threads of one process hand batches over in memory; ZeroMQ's inproc
     * carries them encoded, as between processes (for comparison). */
    e->link = e->opts.link && !strcmp(e->opts.link, "inproc") ? &sm_link_inproc : &sm_link_local;
    if (e->opts.link && strcmp(e->opts.link, "inproc") && strcmp(e->opts.link, "local")) {
        sm_fail(err, SM_EINVAL, "links between threads: expected local or inproc, got '%s'",
                e->opts.link);
        goto fail;
    }
    e->ticks = e->opts.ticks ? e->opts.ticks : net->ticks;
    e->n_stages = net->n_stages ? net->n_stages : 1;
    if (net->n_neurons == 0) {
        sm_fail(err, SM_EINVAL, "%s: the network has no neurons", net->path ? net->path : "network");
        goto fail;
    }
    if (e->ticks == 0) {
        sm_fail(err, SM_EINVAL, "%s: nothing to run: 0 ticks", net->path ? net->path : "network");
        goto fail;
    }
    if (e->n_stages > 255) {
        sm_fail(err, SM_EUNSUPPORTED, "%u delay-0 stages; at most 255 are supported", e->n_stages);
        goto fail;
    }
    const sm_mapping_t *map = e->opts.mapping;
    if (!map) {
        e->own_map = sm_mapping_sequential(net, e->opts.mesh_w, e->opts.mesh_h,
                                           e->opts.neurons_per_core, err);
        if (!e->own_map)
            goto fail;
        map = e->own_map;
    }
    if (map->n_gids != net->n_neurons || !map->width || !map->height) {
        sm_fail(err, SM_EINVAL, "mapping: covers %u neurons on %u x %u cores, the network has %u",
                map->n_gids, map->width, map->height, net->n_neurons);
        goto fail;
    }
    if ((uint64_t)map->width * map->height > SM_MAX_CORES) {
        sm_fail(err, SM_ETOOBIG, "mesh %u x %u: more than %u cores", map->width, map->height,
                SM_MAX_CORES);
        goto fail;
    }
    e->width = map->width;
    e->height = map->height;
    e->n_cores = map->width * map->height;
    for (uint32_t g = 0; g < net->n_neurons; g++)
        if (map->core_of[g] >= e->n_cores) {
            sm_fail(err, SM_ERANGE, "mapping: neuron %u on core %u, outside the %u x %u mesh", g,
                    map->core_of[g], map->width, map->height);
            goto fail;
        }
    e->core_of = map->core_of;
    /* The shards write their traces here; gathering copies them out. */
    e->res = calloc(1, sizeof *e->res);
    if (!e->res) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    e->res->ticks = e->ticks;
    e->res->n_probes = net->n_probes;
    e->res->trace_every = net->trace_every > 1 ? net->trace_every : 1;
    e->res->trace_rows = e->ticks / e->res->trace_every + (e->ticks % e->res->trace_every != 0);
    e->probe_gid = malloc((net->n_probes + 1) * sizeof *e->probe_gid);
    e->res->trace = calloc((size_t)e->res->trace_rows * net->n_probes * 3 + 1,
                           sizeof *e->res->trace);
    if (!e->probe_gid || !e->res->trace) {
        sm_fail(err, SM_ENOMEM, "out of memory for %u traced neurons", net->n_probes);
        goto fail;
    }
    for (uint32_t p = 0; p < net->n_probes; p++)
        e->probe_gid[p] = net->pops[net->probes[p].pop].first + net->probes[p].index;

    /* Local indices first: the synapse table stores targets by them, and the
     * cores' delay rings are sized by the table's longest delay. */
    e->local_of = malloc(((size_t)net->n_neurons + 1) * sizeof *e->local_of);
    uint32_t *fill = calloc(e->n_cores, sizeof *fill);
    if (!e->local_of || !fill) {
        free(fill);
        sm_fail(err, SM_ENOMEM, "out of memory for the mapping");
        goto fail;
    }
    for (uint32_t g = 0; g < net->n_neurons; g++)
        e->local_of[g] = fill[e->core_of[g]]++;
    if (s_plan_shards(e, fill, shards, err)) {
        free(fill);
        goto fail;
    }
    free(fill);
    /* A worker keeps the synapses of its own cores only, and routes for its
     * own neurons' spikes to the others. */
    if (only_shard >= 0) {
        if ((uint32_t)only_shard >= e->n_shards) {
            sm_fail(err, SM_EINVAL, "shard %d of %u", only_shard, e->n_shards);
            goto fail;
        }
        if (!(local = calloc(e->n_cores, 1))) {
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
        for (uint32_t c = 0; c < e->n_cores; c++)
            local[c] = e->shard_of_core[c] == (uint32_t)only_shard;
    }
    if (e->opts.progress)
        sm_progress(e->opts.on_progress, "building synapses", 0, 0, 0);
    /* The run's threads build the table too (a worker's shard is one). */
    int built = sm_syntab_build_par(&e->tab, net, e->core_of, e->local_of, local,
                                    local ? 1 : e->n_shards, err);
    free(local);
    if (built)
        goto fail;
    if (e->tab.n_fan >= UINT32_MAX) {
        sm_fail(err, SM_ETOOBIG, "%llu fan-out entries; at most 2^32 are supported",
                (unsigned long long)e->tab.n_fan);
        goto fail;
    }
    e->window = e->tab.min_delay == UINT32_MAX ? 64 : e->tab.min_delay;
    if (e->window > 64)
        e->window = 64;
    /* Input arrives at window ends, after the window's ticks have consumed
     * their slots, so the live arrival ticks are the next max_delay ones
     * (delay 0 arrives at the current tick, which is one of them): a ring of
     * max_delay slots holds them. (CUBA: one slot, half the planes.) */
    uint32_t ring = 1;
    while (ring < e->tab.max_delay)
        ring *= 2;
    e->cx = (sm_core_ctx_t){.net = net, .tab = &e->tab, .ticks = e->ticks, .ring = ring,
                            .ring_mask = ring - 1, .cal = 256, .dense = e->opts.dense,
                            .lanes = sm_core_lane_width(), .core_shard = e->shard_of_core,
                            .shard_first = e->shard_first};
    /* Sources with negative payloads: their events' counts are signed. */
    for (uint32_t p = 0; p < net->n_pops; p++) {
        const sm_pop_t *pp = &net->pops[p];
        if (!sm_pop_signed(pp))
            continue;
        if (!e->neg && !(e->neg = calloc((size_t)net->n_neurons + 1, 1))) {
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
        memset(e->neg + pp->first, 1, pp->size);
    }
    e->cx.neg = e->neg;
    if (net->n_pops > UINT16_MAX) {
        sm_fail(err, SM_EUNSUPPORTED, "%u populations; at most %u are supported", net->n_pops, UINT16_MAX);
        goto fail;
    }
    if (e->opts.progress)
        sm_progress(e->opts.on_progress, "building cores", 0, 0, 0);
    if (s_build_cores(e, err))
        goto fail;
    e->emits = calloc((size_t)net->n_neurons + 1, sizeof *e->emits);
    if (!e->emits) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    if (s_emit_costs(e, err))
        goto fail;
    if (s_build_shards(e, err) || s_row_sources(e, err))
        goto fail;
    static atomic_uint s_runs;
    snprintf(e->run_id, sizeof e->run_id, "%ld-%u", (long)getpid(), atomic_fetch_add(&s_runs, 1));
    return e;
fail:
    sm_engine_destroy(&e);
    return NULL;
}

int sm_engine_run_local(sm_engine_t *e, uint32_t first, uint32_t n, sm_error_t *err)
{
    e->local_first = first;
    e->local_n = n;
    e->xrow = e->link == &sm_link_local && first == 0 && n == e->n_shards;
    if (s_alloc_ticks(e, err))
        return -1;
    /* Every shard listens once and dials each shard it feeds. */
    if (e->n_shards > 1 && !e->links &&
        !(e->links = sm_linkctx_new(NULL, e->n_shards * (e->n_shards + 1) + 16, err)))
        return -1;
    pthread_mutex_init(&e->bar_mu, NULL);
    pthread_cond_init(&e->bar_cv, NULL);
    e->bar_need = n;
    e->bar_have = e->bar_gen = 0;
    pthread_t *th = calloc(n, sizeof *th);
    uint8_t *started = calloc(n, 1);
    if (!th || !started) {
        free(th);
        free(started);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    int spawn_failed = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (pthread_create(&th[i], NULL, s_thread, &e->shards[first + i])) {
            /* Its shard never runs: the others must not wait for it. One
             * drop lowers the party for both barriers to come. */
            spawn_failed = 1;
            atomic_store(&e->abort, 1);
            s_barrier_drop(e);
            continue;
        }
        started[i] = 1;
    }
    s_thread(&e->shards[first]);
    for (uint32_t i = 1; i < n; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    free(th);
    free(started);
    pthread_cond_destroy(&e->bar_cv);
    pthread_mutex_destroy(&e->bar_mu);
    if (spawn_failed)
        return sm_fail(err, SM_ENOMEM, "cannot start %u threads (try --threads with fewer)", n);
    /* Report the first failure that is a cause, not a consequence. */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = first; i < first + n; i++)
            if (e->shards[i].failed && (pass || e->shards[i].err.code != SM_EPEER)) {
                *err = e->shards[i].err;
                return -1;
            }
    return 0;
}

void sm_engine_destroy(sm_engine_t **e_p)
{
    if (!e_p || !*e_p)
        return;
    sm_engine_t *e = *e_p;
    sm_result_destroy(&e->res);
    s_engine_fini(e);
    free(e);
    *e_p = NULL;
}

sm_engine_t *sm_engine_open(const sm_net_t *net, const sm_run_opts_t *opts, sm_error_t *err)
{
    return sm_engine_new(net, opts, 0, -1, err);
}

/* Back to the state sm_engine_new left: neurons, inputs, calendars,
 * counters, the shards' queues; a new run id, so that the links of the next
 * run do not meet this one's. */
static void s_engine_reset(sm_engine_t *e)
{
    for (uint32_t c = 0; c < e->n_cores; c++)
        sm_core_reset(&e->cores[c], &e->cx);
    for (uint32_t i = 0; i < e->n_shards; i++)
        sm_shard_reset(&e->shards[i]);
    memset(e->emits, 0, ((size_t)e->net->n_neurons + 1) * sizeof *e->emits);
    atomic_store(&e->abort, 0);
    static atomic_uint s_reruns;
    snprintf(e->run_id, sizeof e->run_id, "%ld-r%u", (long)getpid(),
             atomic_fetch_add(&s_reruns, 1));
    e->t_start = sm_now();
}

sm_result_t *sm_engine_rerun(sm_engine_t *e, sm_error_t *err)
{
    if (e->runs++)
        s_engine_reset(e);
    sm_result_t *r = sm_result_alloc(e->ticks, e->net->dt_ms, e->net->n_probes, e->width,
                                     e->height);
    if (r && sm_result_sample(r, e->res->trace_every))
        sm_result_destroy(&r);
    if (!r) {
        sm_fail(err, SM_ENOMEM, "out of memory for results");
        return NULL;
    }
    double t0 = sm_now(), c0 = sm_cpu_now();
    if (sm_engine_run_local(e, 0, e->n_shards, err) || sm_engine_gather(e, r, err) ||
        sm_result_finish(r, err)) {
        sm_result_destroy(&r);
        return NULL;
    }
    r->wall_seconds = sm_now() - t0;
    r->cpu_seconds = sm_cpu_now() - c0;
    r->threads = e->n_shards;
    return r;
}

void sm_engine_close(sm_engine_t **e_p)
{
    sm_engine_destroy(e_p);
}

sm_result_t *sm_engine_run(const sm_net_t *net, const sm_run_opts_t *opts, sm_error_t *err)
{
    sm_engine_t *e = sm_engine_open(net, opts, err);
    if (!e)
        return NULL;
    sm_result_t *r = sm_engine_rerun(e, err);
    sm_engine_close(&e);
    return r;
}

