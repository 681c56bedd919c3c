/* svg: a small SVG writer for the plots of `spikemesh plot`.
 *
 * The document is built in memory and written with sm_svg_save, which
 * writes path.tmp and renames it, so a viewer never opens half a plot.
 * SVG cannot measure text, so sm_svg_text_width estimates it from the
 * advance widths of DejaVu Sans (the widest of the usual sans-serif fonts):
 * layouts built on it leave room in any viewer. */
#ifndef SM_SVG_H
#define SM_SVG_H

#include <stddef.h>

#include "sm_error.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} sm_svg_t;

/* How a text is set: size in px, anchor "start", "middle" or "end", bold,
 * fill (NULL: black) and rotation in degrees about (x, y). */
typedef struct {
    double size;
    const char *anchor;
    int bold;
    const char *fill;
    double angle;
} sm_svg_font_t;

/* Starts a document of w x h pixels with a white background. */
void sm_svg_begin(sm_svg_t *s, double w, double h);
void sm_svg_printf(sm_svg_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sm_svg_rect(sm_svg_t *s, double x, double y, double w, double h, const char *fill);
/* A rectangle with an outline; fill may be "none". */
void sm_svg_box(sm_svg_t *s, double x, double y, double w, double h, const char *fill,
                const char *stroke, double width);
void sm_svg_line(sm_svg_t *s, double x0, double y0, double x1, double y1, const char *stroke,
                 double width);
/* A dashed line (dash and gap of `dash` px). */
void sm_svg_dashed(sm_svg_t *s, double x0, double y0, double x1, double y1, const char *stroke,
                   double width, double dash);
/* Text with <, >, & and quotes escaped. anchor: "start", "middle", "end". */
void sm_svg_text(sm_svg_t *s, double x, double y, double size, const char *anchor,
                 const char *text);
void sm_svg_label(sm_svg_t *s, double x, double y, const sm_svg_font_t *f, const char *text);
/* Writes text escaped for XML content or an attribute value. */
void sm_svg_escape(sm_svg_t *s, const char *text);
/* Estimated width in px of text set at `size` px (bold adds 12%). */
double sm_svg_text_width(const char *text, double size, int bold);
/* Closes the document and writes it; frees the buffer either way. */
int sm_svg_save(sm_svg_t *s, const char *path, sm_error_t *err);
void sm_svg_free(sm_svg_t *s);

#endif
