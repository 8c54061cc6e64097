/*
 * view.h - the viewer's navigation state and what each key does to it.
 *
 * A struct view is everything the screen shows besides the trace: the
 * time window, the cursor (an event index), the selected lane, playback,
 * follow/filter/markers, the prompt being typed. view_key() applies one
 * key; nothing here touches a terminal, so the UI's behaviour is tested
 * without one and `--dump` renders exactly what the UI would show.
 */
#ifndef MUXVIEW_VIEW_H
#define MUXVIEW_VIEW_H

#include <stdint.h>

#include "model-t.h"

/* keys besides plain characters (the UI maps ncurses codes to these) */
enum view_keycode {
	VK_UP = 0x1000, VK_DOWN, VK_LEFT, VK_RIGHT, VK_PGUP, VK_PGDN,
	VK_HOME, VK_END, VK_ENTER, VK_ESC, VK_BACKSPACE, VK_TAB, VK_BTAB,
	VK_SLEFT, VK_SRIGHT,
};

enum view_pane {
	PANE_DETAIL = 0,	/* the event under the cursor */
	PANE_IOCB,		/* io_cb fast/locked per thread */
	PANE_LOCKS,		/* locks and steals per thread */
	PANE_LIFE,		/* the life of the cursor's connection */
	PANE_SUMMARY,		/* two traces: their totals side by side */
	PANE_COUNT
};

enum view_prompt {
	PROMPT_NONE = 0,
	PROMPT_SEEK,		/* g: a time */
	PROMPT_SEARCH,		/* / */
	PROMPT_FILTER,		/* f */
};

struct view {
	const char *name;	/* trace name shown in the header */
	uint64_t t0, span;	/* time window [t0, t0+span), ns, span >= 1 */
	uint32_t cursor;	/* event index, MV_NONE when none */
	int lane;		/* selected lane */
	int lane_top;		/* first lane on screen */
	int lanes_shown;	/* set by the renderer */
	int playing;
	uint64_t speed;		/* trace ns per wall second (follows the
				 * zoom: span / 10 * 2^speed_shift) */
	int speed_shift;	/* < > halve/double it */
	uint64_t play_t;	/* playback head */
	double play_frac;	/* sub-ns remainder of the head */
	enum view_pane pane;
	uint32_t follow;	/* dense conn followed, 0 = none */
	unsigned int mux_mask;	/* shown muxes (bit per mux), 0 = all */
	unsigned int side_mask;	/* shown sides, 0 = all */
	uint32_t fconn;		/* dense conn filter, 0 = none */
	int have_a, have_b;
	uint64_t mark_a, mark_b;
	char search[64];
	int help;
	int help_top;		/* first help line shown (scrolling) */
	int help_rows;		/* help lines that fit (set by the renderer) */
	int compare;		/* one of two traces (muxview A B): the
				 * summary pane exists */
	uint64_t axis_span;	/* two traces: the longer one's duration,
				 * used instead of this trace's (0: own) */
	enum view_prompt prompt;
	char input[64];
	int input_len;
	char msg[200];		/* status line, cleared by the next key */
	int quit;
	int loading;		/* still indexing (set by the UI) */
	double progress;	/* loading fraction, -1 unknown */
	int seek_pending;	/* a seek past what is loaded yet... */
	uint64_t seek_ns;	/* ...to this time, redone as loading goes */
	/* --live (set by the UI) */
	int live;		/* reading a live session */
	int live_follow;	/* the window follows the newest events */
	int live_ended;		/* the session is gone: a trace now */
	int live_mode;		/* the engine's mode last seen (enum
				 * lab_mode), if live_mode_known */
	int live_mode_known;
	int live_run_over;	/* the engine's run_end came */
	const char *live_ctl;	/* the engine's control socket, or NULL */
};

void view_init(struct view *v, const struct model *m, const char *name);
void view_fit(struct view *v, const struct model *m);
int view_key(struct view *v, const struct model *m, int key);
void view_tick(struct view *v, const struct model *m, double wall_s);
void view_goto(struct view *v, const struct model *m, uint32_t ev,
	       int center);
int view_seek(struct view *v, const struct model *m, uint64_t rel_ns);
void view_loaded(struct view *v, const struct model *m);
int view_filter(struct view *v, const struct model *m, const char *spec);
int view_passes(const struct view *v, const struct model *m, uint32_t ev);
int view_filtering(const struct view *v);
uint64_t view_trace_span(const struct model *m);
void view_clamp(struct view *v, const struct model *m);
void view_set_span(struct view *v, uint64_t span);
void view_sync(struct view *dst, const struct model *dm,
	       const struct view *src, const struct model *sm);
void view_live_start(struct view *v, uint64_t span, const char *ctl);
void view_live_events(struct view *v, const struct model *m);

#endif /* MUXVIEW_VIEW_H */
