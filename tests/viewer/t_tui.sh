#!/usr/bin/env bash
# The curses viewer driven under tmux (send-keys, capture-pane): lanes for
# every thread, cursor movement, jump to the next steal, follow a
# connection, resize, help, quit, SIGTERM; the terminal is restored.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { fail tui.tmux "tmux is not installed"; exit 1; }
need_lttng || { fail tui.lttng "$mxl_lttng_error"; exit 1; }
tr=$(cached_trace usr1-4t -t 4 -n 60000 -s 11) || exit 1

sock=muxview-test-$$
work=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
      rm -rf "$work"; cleanup_lttng' EXIT
rc=0
screen() { tm capture-pane -p -J -t mv; }
# wait_for PATTERN: up to 10 s for the pane to show it
wait_for() {	# up to 20 s; returns as soon as the text shows
	local i
	for i in $(seq 200); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
check() {	# check NAME PATTERN [WHY]
	if wait_for "$2"; then
		pass "tui.$1"
	else
		fail "tui.$1" "${3:-no '$2' on screen}: $(screen | head -3 | tr '\n' '|')"
		rc=1
	fi
}
start() {	# start COLS ROWS ARGS...
	local c=$1 r=$2
	shift 2
	tm kill-server 2>/dev/null
	rm -f "$work/pid" "$work/exit" "$work/stty"
	tm new-session -d -x "$c" -y "$r" -s mv "sh -c 'echo \$\$ >$work/pid; \
exec env TERM=xterm-256color $MUXVIEW $*'; echo \$? >$work/exit; \
stty -a >$work/stty 2>&1; sleep 60"
}
restored() {	# the exit status file, and a sane tty after exit
	local i
	for i in $(seq 300); do	# up to 30 s: a loaded CI machine is slow
		[ -s "$work/stty" ] && break
		sleep 0.1
	done
	[ -s "$work/stty" ] && grep -qw icanon "$work/stty" &&
		grep -qw echo "$work/stty"
}

start 100 30 "$tr"
check loads 'events=' "no header"
wait_for 'cursor +' >/dev/null
n=$(screen | grep -cE '^[> ]T[0-3] ')
[ "$n" = 4 ] && pass tui.lanes_every_thread ||
	{ fail tui.lanes_every_thread "$n lanes"; rc=1; }
before=$(screen | sed -n 2p)
tm send-keys -t mv '.'
sleep 0.3
after=$(screen | sed -n 2p)
[ "$before" != "$after" ] && pass tui.cursor_moves ||
	{ fail tui.cursor_moves "header did not change: $after"; rc=1; }
tm send-keys -t mv Down Right
sleep 0.3
screen | grep -q '^>T1 ' && pass tui.select_lane ||
	{ fail tui.select_lane "T1 not selected"; rc=1; }
tm send-keys -t mv 't'
check next_steal 'muxlab:takeover' "t did not land on a takeover"
tm send-keys -t mv 'c'
check follow 'follow conn [0-9]'
screen | grep -qE '^[> ]T[0-9]+ *\*' && pass tui.follow_marks_lanes ||
	{ fail tui.follow_marks_lanes "no lane marked *"; rc=1; }
tm send-keys -t mv 'w' 'w'
sleep 0.3
screen | grep -q 'S[0-9]' && pass tui.steal_glyph ||
	{ fail tui.steal_glyph "no S<thread> on the lanes"; rc=1; }
tm resize-window -t mv -x 80 -y 24
sleep 0.5
w=$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')
h=$(screen | wc -l)
if [ "$w" -le 80 ] && [ "$h" -eq 24 ] && screen | grep -q '^muxview' &&
   [ "$(screen | grep -cE '^[> ]T[0-3] ')" = 4 ]; then
	pass tui.resize_80x24
else
	fail tui.resize_80x24 "width $w height $h"
	rc=1
fi
tm send-keys -t mv '?'
check help 'muxview keys'
tm send-keys -t mv 'x'
check help_closes 'cursor +'
tm send-keys -t mv Tab
check stats_pane 'io_cb fast'
# seek to half the trace's span (a fixed time may lie past the end of a
# short recording: then the cursor rightly stops on the last event): the
# cursor lands on the first event at or after it, within the trace
span=$("$MUXVIEW" --stats "$tr" | sed -nE 's/.* span: ([0-9.]+) s .*/\1/p')
half=$(awk -v s="${span:-0}" 'BEGIN { printf "%.6f", s / 2 }')
tm send-keys -t mv 'g' "$half" Enter
cur=""
for _ in $(seq 100); do
	cur=$(screen | sed -nE 's/.*cursor \+([0-9.]+).*/\1/p' | head -n 1)
	awk -v c="${cur:-0}" -v h="$half" -v s="${span:-0}" \
		'BEGIN { exit !(h > 0 && c >= h && c <= s) }' && break
	sleep 0.1
done
if awk -v c="${cur:-0}" -v h="$half" -v s="${span:-0}" \
	'BEGIN { exit !(h > 0 && c >= h && c <= s) }'; then
	pass tui.seek
else
	fail tui.seek "g $half: cursor at +${cur:-?} (span $span s): $(screen | head -3 | tr '\n' '|')"
	rc=1
fi
tm send-keys -t mv 'q'
if restored && [ "$(cat "$work/exit")" = 0 ]; then
	pass tui.quit_restores_terminal
else
	fail tui.quit_restores_terminal "exit $(cat "$work/exit" 2>/dev/null)"
	rc=1
fi

# SIGTERM: clean exit, terminal restored
start 80 24 "$tr"
wait_for 'cursor +' >/dev/null
kill -TERM "$(cat "$work/pid")"
if restored && [ "$(cat "$work/exit")" = 143 ]; then
	pass tui.sigterm_restores_terminal
else
	fail tui.sigterm_restores_terminal "exit $(cat "$work/exit" 2>/dev/null)"
	rc=1
fi

# bad input seen only during the load (inside curses): message, exit 2
start 80 24 "$MUXVIEW_TRACES/novtid"
if [ -d "$MUXVIEW_TRACES/novtid" ] && restored &&
   [ "$(cat "$work/exit")" = 2 ] && wait_for 'without the vtid'; then
	pass tui.bad_trace_message
elif [ ! -d "$MUXVIEW_TRACES/novtid" ]; then
	:	# t_badinput.sh records it; run alone, skip
else
	fail tui.bad_trace_message "exit $(cat "$work/exit" 2>/dev/null): $(screen | grep -v '^$' | head -3 | tr '\n' '|')"
	rc=1
fi
exit $rc
