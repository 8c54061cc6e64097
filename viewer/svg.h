/*
 * svg.h - export a lane timeline as SVG (muxview --svg FILE), for slides.
 */
#ifndef MUXVIEW_SVG_H
#define MUXVIEW_SVG_H

#include <stdio.h>

#include "model-t.h"
#include "view.h"

int svg_write(FILE *f, const struct model *m, const struct view *v);

#endif /* MUXVIEW_SVG_H */
