/*
 * svg.h - export a lane timeline as SVG (muxview --svg FILE), for slides.
 */
#ifndef MUXVIEW_SVG_H
#define MUXVIEW_SVG_H

#include <stdio.h>

#include "model-t.h"
#include "view.h"

/* --labels: name every event when the window holds at most this many */
#define SVG_MAX_LABELS	400

int svg_write(FILE *f, const struct model *m, const struct view *v);
int svg_write_n(FILE *f, const struct model *const *m,
		const struct view *const *v, int n, int labels, char *note,
		size_t notelen);

#endif /* MUXVIEW_SVG_H */
