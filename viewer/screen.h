/*
 * screen.h - the screen model: what the viewer shows, as a grid of cells.
 *
 * screen_render() draws a view of a model into a character grid with a
 * style per cell. The curses UI copies the grid to the terminal (a colour
 * pair and attributes per style); `muxview --dump` prints the characters.
 * So the dump is exactly the UI's screen, without a terminal.
 *
 * Each engine thread is a group of rows ("lanes"), each column of a row a
 * time bin that summarises every event under it (per-pixel binning, as in
 * KernelShark): the front and back io_cb rows count the io_cbs that took
 * the fast and the locked path, the flag row the TASK_F_USR1 changes, the
 * lock row the steals and lock activity. screen_bins() computes the bins;
 * the SVG export draws from the same bins.
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
#define SA_UNDER	0x02	/* the cell hides another mark: zoom in */
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

/* What one row of a thread's lane group shows. */
enum scr_row {
	SR_FRONT = 0,	/* front io_cbs: fast / locked */
	SR_BACK,	/* back io_cbs: fast / locked (stolen tasklets too) */
	SR_IO,		/* both sides (compact layout) */
	SR_FLAG,	/* TASK_F_USR1 set / cleared */
	SR_LOCK,	/* steals, stolen tasklets freed, lock wait / hold */
	SR_EVTS,	/* flag + steal marks (compact layout) */
	SR_COUNT
};

/* One time bin of one lane: every event of the lane in the bin counted
 * by class (enum mv_bcount), the kinds present (MV_KBIT(), plus the
 * lock wait/hold spans crossing the bin) and the steals done by the lane
 * (steal_in) and suffered by it (steal_out). */
struct scr_bin {
	uint32_t n[MV_BC_COUNT];
	uint32_t steal_in, steal_out;
	unsigned int kinds;
};

/* one cell of a lane row */
struct lane_cell {
	char ch;		/* glyph */
	uint8_t style, attr;
	int8_t prio;		/* rank of what is drawn (lower wins), 127 =
				 * empty */
};

#define SCREEN_LABEL_W	12	/* ">T12 *front|" */
/* the smallest screen that shows lanes (smaller: "terminal too small";
 * muxview --dump --size refuses it) */
#define SCREEN_MIN_COLS	(SCREEN_LABEL_W + 8)
#define SCREEN_MIN_ROWS	8

int screen_init(struct screen *s, int cols, int rows);
void screen_free(struct screen *s);
void screen_render(struct screen *s, const struct model *m, struct view *v);
void screen_render2(struct screen *s, const struct model *const m[2],
		    struct view *const v[2], int active);
void screen_print(const struct screen *s, FILE *f);
uint32_t *screen_bin_pos(const struct model *m, const struct view *v, int w);
void screen_bins(const struct model *m, const struct view *v, int lane,
		 int w, const uint32_t *pos, struct scr_bin *bins);
void screen_cell(const struct scr_bin *b, int row, struct lane_cell *c);
const char *screen_row_name(int row);
int screen_lanes_top_row(void);
const char *screen_legend(void);
void screen_tick_label(char *buf, size_t len, uint64_t rel, uint64_t step,
		       uint64_t maxrel);
uint64_t screen_tick_step(uint64_t span, double units, double min_gap,
			  double char_w, uint64_t maxrel);

#endif /* MUXVIEW_SCREEN_H */
