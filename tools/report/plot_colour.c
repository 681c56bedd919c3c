/* plot_colour: fixed palettes and piecewise-linear colour scales. */
#include "plot_colour.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* matplotlib's tab10: distinct on white and for the common colour blindnesses */
static const char *const s_tab10[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

static void s_hsv(double h, double s, double v, char out[8])
{
    double c = v * s, hp = fmod(h, 360.0) / 60.0, x = c * (1 - fabs(fmod(hp, 2.0) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1)
        r = c, g = x;
    else if (hp < 2)
        r = x, g = c;
    else if (hp < 3)
        g = c, b = x;
    else if (hp < 4)
        g = x, b = c;
    else if (hp < 5)
        r = x, b = c;
    else
        r = c, b = x;
    double m = v - c;
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)lround((r + m) * 255),
             (unsigned)lround((g + m) * 255), (unsigned)lround((b + m) * 255));
}

void sm_plot_pop_colour(uint32_t i, char out[8])
{
    if (i < 10) {
        snprintf(out, 8, "%s", s_tab10[i]);
        return;
    }
    /* the golden angle keeps neighbours apart however many there are */
    double h = fmod(20.0 + 137.508 * (i - 10), 360.0);
    s_hsv(h, (i % 2) ? 0.85 : 0.6, (i % 3) == 0 ? 0.55 : ((i % 3) == 1 ? 0.75 : 0.9), out);
}

typedef struct {
    double at;
    unsigned char r, g, b;
} s_stop_t;

static const s_stop_t s_viridis[] = {
    {0.000, 0x44, 0x01, 0x54}, {0.125, 0x47, 0x2d, 0x7b}, {0.250, 0x3b, 0x52, 0x8b},
    {0.375, 0x2c, 0x72, 0x8e}, {0.500, 0x21, 0x91, 0x8c}, {0.625, 0x28, 0xae, 0x80},
    {0.750, 0x5e, 0xc9, 0x62}, {0.875, 0xad, 0xdc, 0x30}, {1.000, 0xfd, 0xe7, 0x25}};

/* ColorBrewer YlOrRd without its palest steps, which vanish on white */
static const s_stop_t s_load[] = {
    {0.000, 0xfe, 0xd9, 0x76}, {0.200, 0xfe, 0xb2, 0x4c}, {0.400, 0xfd, 0x8d, 0x3c},
    {0.600, 0xfc, 0x4e, 0x2a}, {0.800, 0xe3, 0x1a, 0x1c}, {0.900, 0xbd, 0x00, 0x26},
    {1.000, 0x80, 0x00, 0x26}};

void sm_plot_cmap(sm_cmap_t map, double v, char out[8])
{
    const s_stop_t *st = map == SM_CMAP_LOAD ? s_load : s_viridis;
    size_t n = map == SM_CMAP_LOAD ? sizeof s_load / sizeof *s_load
                                   : sizeof s_viridis / sizeof *s_viridis;
    if (!(v > 0)) /* also NaN */
        v = 0;
    if (v > 1)
        v = 1;
    size_t k = 1;
    while (k < n - 1 && st[k].at < v)
        k++;
    double t = (v - st[k - 1].at) / (st[k].at - st[k - 1].at);
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)lround(st[k - 1].r + t * (st[k].r - st[k - 1].r)),
             (unsigned)lround(st[k - 1].g + t * (st[k].g - st[k - 1].g)),
             (unsigned)lround(st[k - 1].b + t * (st[k].b - st[k - 1].b)));
}

const char *sm_plot_ink_on(const char *bg)
{
    unsigned long c = strtoul(bg + 1, NULL, 16);
    double lum = 0.299 * ((c >> 16) & 255) + 0.587 * ((c >> 8) & 255) + 0.114 * (c & 255);
    return lum > 140 ? "black" : "white";
}
