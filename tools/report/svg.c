/* svg: building SVG text in memory and writing it atomically. */
#define _POSIX_C_SOURCE 200809L
#include "svg.h"

#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_vput(sm_svg_t *s, const char *fmt, va_list ap)
{
    if (s->oom)
        return;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    if (s->len + (size_t)n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + (size_t)n + 1)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) {
            s->oom = 1;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
    vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    s->len += (size_t)n;
}

void sm_svg_printf(sm_svg_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vput(s, fmt, ap);
    va_end(ap);
}

void sm_svg_begin(sm_svg_t *s, double w, double h)
{
    memset(s, 0, sizeof *s);
    sm_svg_printf(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                     "viewBox=\"0 0 %.0f %.0f\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
                  w, h, w, h);
    sm_svg_printf(s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", w, h);
}

void sm_svg_rect(sm_svg_t *s, double x, double y, double w, double h, const char *fill)
{
    sm_svg_printf(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
                  x, y, w, h, fill);
}

void sm_svg_box(sm_svg_t *s, double x, double y, double w, double h, const char *fill,
                const char *stroke, double width)
{
    sm_svg_printf(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                     "stroke=\"%s\" stroke-width=\"%.2f\"/>\n",
                  x, y, w, h, fill, stroke, width);
}

void sm_svg_line(sm_svg_t *s, double x0, double y0, double x1, double y1, const char *stroke,
                 double width)
{
    sm_svg_printf(s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                     "stroke-width=\"%.2f\"/>\n",
                  x0, y0, x1, y1, stroke, width);
}

void sm_svg_dashed(sm_svg_t *s, double x0, double y0, double x1, double y1, const char *stroke,
                   double width, double dash)
{
    sm_svg_printf(s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                     "stroke-width=\"%.2f\" stroke-dasharray=\"%.1f %.1f\"/>\n",
                  x0, y0, x1, y1, stroke, width, dash, dash);
}

void sm_svg_escape(sm_svg_t *s, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '<': sm_svg_printf(s, "&lt;"); break;
        case '>': sm_svg_printf(s, "&gt;"); break;
        case '&': sm_svg_printf(s, "&amp;"); break;
        case '"': sm_svg_printf(s, "&quot;"); break;
        default: sm_svg_printf(s, "%c", *p);
        }
    }
}

void sm_svg_label(sm_svg_t *s, double x, double y, const sm_svg_font_t *f, const char *text)
{
    sm_svg_printf(s, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" text-anchor=\"%s\"", x, y,
                  f->size, f->anchor ? f->anchor : "start");
    if (f->bold)
        sm_svg_printf(s, " font-weight=\"bold\"");
    if (f->fill)
        sm_svg_printf(s, " fill=\"%s\"", f->fill);
    if (f->angle != 0)
        sm_svg_printf(s, " transform=\"rotate(%.1f %.2f %.2f)\"", f->angle, x, y);
    sm_svg_printf(s, ">");
    sm_svg_escape(s, text);
    sm_svg_printf(s, "</text>\n");
}

void sm_svg_text(sm_svg_t *s, double x, double y, double size, const char *anchor,
                 const char *text)
{
    sm_svg_label(s, x, y, &(sm_svg_font_t){.size = size, .anchor = anchor}, text);
}

/* Advance widths of DejaVu Sans, in thousandths of an em, for ' ' to '~'. */
static const unsigned short s_advance[95] = {
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838};

double sm_svg_text_width(const char *text, double size, int bold)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p >= 32 && *p < 127)
            em += s_advance[*p - 32];
        else if ((*p & 0xc0) != 0x80) /* one glyph per UTF-8 sequence */
            em += 800;
    }
    return em / 1000.0 * size * (bold ? 1.12 : 1.0);
}

void sm_svg_free(sm_svg_t *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

int sm_svg_save(sm_svg_t *s, const char *path, sm_error_t *err)
{
    sm_svg_printf(s, "</svg>\n");
    if (s->oom) {
        sm_svg_free(s);
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
    }
    /* The same safe write as every output: a private temporary, renamed. */
    int rc = sm_write_file(path, s->buf ? s->buf : "", err);
    sm_svg_free(s);
    return rc;
}
