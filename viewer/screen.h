/*
 * screen.h - the screen model: what the viewer shows, as a grid of cells.
 *
 * screen_render() draws a view of a model into a character grid with a
 * style per cell. The curses UI copies the grid to the terminal (a colour
 * pair and attributes per style); `muxview --dump` prints the characters.
 * So the dump is exactly the UI's screen, without a terminal.
 */
#ifndef MUXVIEW_SCREEN_H
#define MUXVIEW_SCREEN_H

#include <stdio.h>

#include "model-t.h"
#include "view.h"

enum scr_style {
	ST_NORMAL = 0,
	ST_HEADER,
	ST_AXIS,
	ST_LABEL,
	ST_SELLABEL,	/* the selected lane's label */
	ST_FAST,
	ST_LOCKED,
	ST_WAIT,
	ST_HOLD,
	ST_FLAG_SET,
	ST_FLAG_CLEAR,
	ST_STEAL,
	ST_STOLEN,
	ST_IDLE,
	ST_DISCARD,
	ST_OTHER,
	ST_TRYFAIL,
	ST_FOLLOW,	/* the followed connection's life */
	ST_MARK,	/* cursor and A/B markers on the axis */
	ST_MSG,
	ST_WARN,
	ST_COUNT
};

#define SA_BOLD		0x01
#define SA_UNDER	0x02	/* denser than a cell: zoom in */
#define SA_REV		0x04	/* cursor column, followed events */

struct scr_cell {
	char ch;
	uint8_t style;		/* enum scr_style */
	uint8_t attr;		/* SA_* */
};

struct screen {
	int cols, rows;
	struct scr_cell *cells;
	/* events of the followed connection (built on demand) */
	const struct model *fm;
	uint32_t fconn;
	uint32_t *fev;
	size_t nfev;
	size_t fm_nev;
};

#define SCREEN_LABEL_W	7	/* ">T12 *|" */

/* one time bin of one lane */
struct lane_cell {
	char ch;		/* glyph */
	uint8_t style, attr;
	int8_t prio;		/* enum mv_kind drawn (lower wins), 127 = empty */
};

int screen_init(struct screen *s, int cols, int rows);
void screen_free(struct screen *s);
void screen_render(struct screen *s, const struct model *m, struct view *v);
void screen_print(const struct screen *s, FILE *f);
int screen_lane(struct screen *s, const struct model *m,
		const struct view *v, int lane, int w,
		struct lane_cell *cells, int numbers);
int screen_lanes_top_row(void);
const char *screen_legend(void);

#endif /* MUXVIEW_SCREEN_H */
