/* progress_bar: drawing progress on a terminal (see progress_bar.h). */
#define _POSIX_C_SOURCE 200809L
#include "progress_bar.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_QUIET_S 0.5   /* no redraw within a phase before the work took this long */
#define S_REDRAW_S 0.1  /* at most ten redraws a second                    */
#define S_BAR 30

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 1234567 -> "1.23M" */
static void s_si(char *buf, size_t cap, double x)
{
    if (x >= 1e9)
        snprintf(buf, cap, "%.2fG", x / 1e9);
    else if (x >= 1e6)
        snprintf(buf, cap, "%.2fM", x / 1e6);
    else if (x >= 1e3)
        snprintf(buf, cap, "%.1fk", x / 1e3);
    else
        snprintf(buf, cap, "%.0f", x);
}

static void s_clock(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 359999)
        snprintf(buf, cap, "?");
    else if (s >= 3600)
        snprintf(buf, cap, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
    else
        snprintf(buf, cap, "%d:%02d", (int)s / 60, (int)s % 60);
}

static void s_draw(sm_cli_progress_t *p, uint64_t done, uint64_t total, uint64_t events,
                   double now)
{
    char line[256];
    double in_phase = now - p->phase_t0;
    if (!strcmp(p->phase, "running") && total > 0) {
        int fill = (int)((double)done / total * S_BAR);
        fill = fill > S_BAR ? S_BAR : fill;
        double tps = in_phase > 0 ? done / in_phase : 0, eps = in_phase > 0 ? events / in_phase : 0;
        char t[32], e[32], eta[32];
        s_si(t, sizeof t, tps);
        s_si(e, sizeof e, eps);
        s_clock(eta, sizeof eta, tps > 0 ? (total - done) / tps : -1);
        snprintf(line, sizeof line, "running [%.*s%*s] %llu/%llu ticks, %s ticks/s, %s events/s, "
                 "ETA %s", fill, "##############################", S_BAR - fill, "",
                 (unsigned long long)done, (unsigned long long)total, t, e, eta);
    } else if (total > 0) {
        snprintf(line, sizeof line, "%s %3.0f%% (%.1f s)", p->phase, 100.0 * done / total,
                 in_phase);
    } else {
        snprintf(line, sizeof line, "%s (%.1f s)", p->phase, in_phase);
    }
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    p->drawn = 1;
    p->last = now;
}

static void s_hook(void *ctx, const char *phase, uint64_t done, uint64_t total, uint64_t events)
{
    sm_cli_progress_t *p = ctx;
    if (!p->on)
        return;
    double now = s_now();
    int fresh = strcmp(phase, p->phase) != 0;
    if (fresh) {
        snprintf(p->phase, sizeof p->phase, "%s", phase);
        p->phase_t0 = now;
    }
    /* a new phase shows at once: it may be a long one that reports nothing
     * until it ends (loading, building synapses) */
    if (!fresh && (now - p->t0 < S_QUIET_S || now - p->last < S_REDRAW_S))
        return;
    s_draw(p, done, total, events, now);
}

void sm_cli_progress_init(sm_cli_progress_t *p, int on)
{
    memset(p, 0, sizeof *p);
    p->hook = (sm_progress_t){s_hook, p};
    p->on = on;
    p->t0 = p->phase_t0 = s_now();
}

void sm_cli_progress_phase(sm_cli_progress_t *p, const char *phase)
{
    s_hook(p, phase, 0, 0, 0);
}

void sm_cli_progress_end(sm_cli_progress_t *p)
{
    if (p->drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->drawn = 0;
}
