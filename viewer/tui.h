/*
 * tui.h - the interactive curses viewer.
 */
#ifndef MUXVIEW_TUI_H
#define MUXVIEW_TUI_H

#include "model-t.h"
#include "reader.h"
#include "view.h"

/* called once the trace is fully loaded, to apply --at and friends */
typedef int (*tui_ready_fn)(struct view *v, const struct model *m,
			    void *arg);

struct tui_opts {
	int mono;		/* no colours (also when NO_COLOR is set) */
	tui_ready_fn ready;
	void *ready_arg;
	const char *ctl;	/* --live: the engine's control socket, for
				 * the mode flip key; NULL if none */
	uint64_t live_span;	/* --live: window width, ns (0: 2 s) */
};

int tui_run(struct reader *const *r, struct model *const *m,
	    const char *const *name, int n, const struct tui_opts *o,
	    char *err, size_t errlen);

#endif /* MUXVIEW_TUI_H */
