/* svg: a small SVG writer for the plots of `spikemesh plot`.
 *
 * The document is built in memory and written with sm_svg_save, which
 * writes path.tmp and renames it, so a viewer never opens half a plot. */
#ifndef SM_SVG_H
#define SM_SVG_H

#include <stddef.h>

#include "sm_error.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} sm_svg_t;

/* Starts a document of w x h pixels with a white background. */
void sm_svg_begin(sm_svg_t *s, double w, double h);
void sm_svg_printf(sm_svg_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sm_svg_rect(sm_svg_t *s, double x, double y, double w, double h, const char *fill);
void sm_svg_line(sm_svg_t *s, double x0, double y0, double x1, double y1, const char *stroke,
                 double width);
/* Text with <, >, & and quotes escaped. anchor: "start", "middle", "end". */
void sm_svg_text(sm_svg_t *s, double x, double y, double size, const char *anchor,
                 const char *text);
/* A colour for v in [0, 1] on a white-yellow-red-black scale, as "#rrggbb". */
void sm_svg_heat(double v, char out[8]);
/* Closes the document and writes it; frees the buffer either way. */
int sm_svg_save(sm_svg_t *s, const char *path, sm_error_t *err);
void sm_svg_free(sm_svg_t *s);

#endif
