#!/usr/bin/env bash
# timeout: 120
# live.sh - lab/live under tmux (a tmux server of our own): the default
# scenario followed live in muxview for a few seconds. lab/live names the
# engine's control socket; the waiting hint goes once events come. The
# screen changes between two captures a second apart (lanes scroll,
# counters tick), `e` flips the engine's mode through its control socket
# (the engine answers, the header says legacy and counts the thread
# switches, the lanes and the legend show the M mark), a `set mode usr1`
# sent to the socket from a shell replaces the stale answer on the status
# line, Space pauses the window while the recording goes on, q stops
# everything: lab/live exits 0, reports no discarded events, prints the
# trace directory last, and muxview --check passes on that trace, mode
# changes included. The delay from an event to the screen
# (MUXVIEW_LATENCY) is printed. A second, short run at 80x24: the header
# shows the mode and the live state, says "LIVE ended" once the engine
# stops, and Ctrl-C ends it all as q does: the trace is kept, checked and
# its directory printed last (exit 130).
. "$(dirname "$0")/common.bash"
need_muxlab live
have tmux || { fail "live: tmux not installed (make deps)"; exit 1; }
for t in lttng lttng-sessiond lttng-relayd babeltrace2; do
	have $t || { fail "live: $t not installed (make deps)"; exit 1; }
done
ensure_sessiond || { fail "live: $mxl_lttng_error"; exit 1; }

mkdir -p "$tmp/scn" "$tmp/traces"
remap_ports "$top/lab/scenarios/default.cfg" "$tmp/scn/default.cfg"
S=live-$$
lat=$tmp/latency.txt
tmux -L "$S" new-session -d -x 160 -y 45 \
	"MUXVIEW_LATENCY=$lat BUILD=$build '$top/lab/live' --duration 20 \
	 --out '$tmp/traces' '$tmp/scn/default.cfg' >'$tmp/live.out' \
	 2>'$tmp/live.err'; echo \$? >'$tmp/live.rc'; sleep 1"
on_exit "tmux -L '$S' kill-server 2>/dev/null"

cap() { tmux -L "$S" capture-pane -p >"$1" 2>/dev/null; }
# live_end: wait (30 s at most) for lab/live's exit; sets rc and trace
# (the last line it printed)
live_end() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -f "$tmp/live.rc" ] && break
		sleep 0.1
	done
	rc=$(cat "$tmp/live.rc" 2>/dev/null)
	trace=$(tail -n 1 "$tmp/live.out" 2>/dev/null)
}
# wait_screen REGEX SECONDS: until the screen matches
wait_screen() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		cap "$tmp/screen.txt"
		grep -qE -- "$1" "$tmp/screen.txt" && return 0
		[ -f "$tmp/live.rc" ] && return 1
		sleep 0.1
	done
	return 1
}
# the lanes: the screen without its two header rows and the status line
lanes() { sed -n '4,20p' "$1"; }

if wait_screen 'LIVE follow' 20 && wait_screen 'last 1s: T0 f[1-9]' 15; then
	pass "live: muxview follows the session (LIVE, counters of the last second)"
else
	fail "live: no live screen"
	sed 's/^/    /' "$tmp/screen.txt" | head -12
	cat "$tmp/live.err" | sed 's/^/    /' | tail -5
	exit 1
fi
# the lecturer is told where the control socket is (stderr: the viewer
# then covers the terminal, the trace directory stays stdout's last line)
sock=$(sed -n 's/^live: control socket \([^ ]*\) .*/\1/p' "$tmp/live.err")
if [ -n "$sock" ] && [ -S "$sock" ]; then
	pass "live: lab/live prints the control socket's path"
else
	fail "live: no control socket path on stderr ('$sock')"
	head -3 "$tmp/live.err" | sed 's/^/    /'
fi
cap "$tmp/screen.txt"
if ! grep -q 'live: waiting for events' "$tmp/screen.txt"; then
	pass "live: the waiting hint goes once events come"
else
	fail "live: 'live: waiting for events' still shown among events"
fi
cap "$tmp/c1.txt"
sleep 1
cap "$tmp/c2.txt"
if ! cmp -s <(lanes "$tmp/c1.txt") <(lanes "$tmp/c2.txt"); then
	pass "live: the lanes scroll (two captures 1 s apart differ)"
else
	fail "live: the lanes did not change in 1 s"
fi
r1=$(sed -n '2p' "$tmp/c1.txt") r2=$(sed -n '2p' "$tmp/c2.txt")
[ "$r1" != "$r2" ] && pass "live: the per-second counters tick" ||
	fail "live: counters unchanged: $r1"

tmux -L "$S" send-keys e
if wait_screen 'Mode is now legacy on all 2 threads' 8; then
	pass "live: e flips the engine's mode (the engine answers)"
else
	fail "live: e: no answer from the engine"
	tail -2 "$tmp/screen.txt" | sed 's/^/    /'
fi
if wait_screen 'mode=legacy \(2 thread switches\)' 5 &&
   grep -qE '^ *T[01] +front\|.*M' "$tmp/screen.txt" &&
   grep -q 'M mode change' "$tmp/screen.txt"; then
	pass "live: the header says legacy, the lanes and the legend mark the switch (M)"
else
	fail "live: no 'mode=legacy (2 thread switches)' in the header or no M on the lanes or the legend"
	head -8 "$tmp/screen.txt" | sed 's/^/    /'
	grep -A1 '^io_cb:\|mode change' "$tmp/screen.txt" | sed 's/^/    /'
fi
wait_screen 'last 1s: T0 f[0-9]+ L[1-9]' 5 &&
	pass "live: the locked io_cbs of legacy show in the counters" ||
	fail "live: no locked io_cb counted after the flip"
# the same socket from a shell: the status line follows the mode, it
# does not keep saying legacy
ans=$(cli_cmd "$sock" 'set mode usr1')
if echo "$ans" | grep -q 'Mode is now usr1' &&
   wait_screen 'mode=usr1 \(4 thread switches\)' 5 &&
   wait_screen "mode is now usr1" 5 &&
   ! tail -n 1 "$tmp/screen.txt" | grep -q legacy; then
	pass "live: a flip from the socket shows on the status line"
else
	fail "live: socket 'set mode usr1' ('$ans'): status '$(tail -n 1 "$tmp/screen.txt")'"
fi

tmux -L "$S" send-keys ' '
# the first capture only once the viewer says it paused (a loaded machine
# may take longer than any fixed sleep to read the key), and once the
# events stamped inside the frozen window have arrived: the relay hands
# them over up to a live timer or two late, and a paused window still
# draws what falls in its time range
wait_screen 'LIVE paused' 5
sleep 1
cap "$tmp/p1.txt"
sleep 1
cap "$tmp/p2.txt"
e1=$(sed -n 's/.*events=\([^ ]*\) .*/\1/p' "$tmp/p1.txt")
e2=$(sed -n 's/.*events=\([^ ]*\) .*/\1/p' "$tmp/p2.txt")
if grep -q 'LIVE paused' "$tmp/p2.txt" &&
   cmp -s <(sed -n '3,20p' "$tmp/p1.txt") <(sed -n '3,20p' "$tmp/p2.txt") &&
   [ "$e1" != "$e2" ]; then
	pass "live: Space pauses the window while the recording goes on ($e1 -> $e2 events)"
else
	fail "live: pause: events '$e1' -> '$e2'"
	grep -q 'LIVE paused' "$tmp/p2.txt" || echo "    no 'LIVE paused' on the screen"
	diff <(sed -n '3,20p' "$tmp/p1.txt") <(sed -n '3,20p' "$tmp/p2.txt") |
		head -8 | sed 's/^/    /'
fi
tmux -L "$S" send-keys a
tmux -L "$S" send-keys ' '
wait_screen 'LIVE follow' 3 && pass "live: scroll back, then Space follows again" ||
	fail "live: Space did not resume"

tmux -L "$S" send-keys q
live_end
if [ "$rc" = 0 ] && [ -d "$trace" ]; then
	pass "live: q stops everything, lab/live exits 0 and prints the trace dir"
else
	fail "live: lab/live exit '$rc', last line '$trace'"
	sed 's/^/    /' "$tmp/live.err" | tail -5
	exit 1
fi
grep -q '^discarded events: 0$' "$tmp/live.out" &&
	pass "live: no event discarded while live" ||
	fail "live: $(grep discarded "$tmp/live.out")"
"$muxview" --check "$trace" >"$tmp/check.out" 2>&1
crc=$?
if [ $crc = 0 ] && grep -q '^mode changes: [1-9]' "$tmp/check.out"; then
	pass "live: muxview --check passes on the kept trace (mode changes included)"
else
	fail "live: muxview --check exit $crc"
	head -12 "$tmp/check.out" | sed 's/^/    /'
fi
if [ -s "$lat" ]; then
	echo "  event-to-screen delay: $(cat "$lat")"
	p50=$(sed -n 's/.*p50_ms \([0-9.]*\).*/\1/p' "$lat")
	awk -v p="$p50" 'BEGIN { exit !(p > 0 && p < 1000) }' &&
		pass "live: events reach the screen (median ${p50} ms)" ||
		fail "live: median event-to-screen delay '${p50}' ms"
else
	fail "live: no latency report"
fi

# ---- a short run at 80x24, ended by Ctrl-C ----
S2=live2-$$
rm -f "$tmp/live.rc"
# bash runs it: the Ctrl-C reaches this shell too, and bash, unlike some
# shells, goes on when its child handled the signal and exited
cat >"$tmp/live2.sh" <<EOF
BUILD='$build' '$top/lab/live' --duration 3 --out '$tmp/traces' \
	'$tmp/scn/default.cfg' >'$tmp/live.out' 2>'$tmp/live.err'
echo \$? >'$tmp/live.rc'
sleep 1
EOF
tmux -L "$S2" new-session -d -x 80 -y 24 "bash '$tmp/live2.sh'"
on_exit "tmux -L '$S2' kill-server 2>/dev/null"
S=$S2	# for cap and wait_screen
if wait_screen 'LIVE (follow|ended)' 20 && wait_screen 'mode=usr1' 10 &&
   head -n 1 "$tmp/screen.txt" | grep -qE 'mode=usr1 .*LIVE'; then
	pass "live: at 80x24 the header shows the mode and the live state"
else
	fail "live: 80x24 header: '$(head -n 1 "$tmp/screen.txt")'"
fi
if wait_screen 'LIVE ended' 15 && ! grep -q 'LIVE follow' "$tmp/screen.txt"; then
	pass "live: once the engine stops the header says LIVE ended"
else
	fail "live: engine stopped: '$(head -n 1 "$tmp/screen.txt")'"
fi
tmux -L "$S2" send-keys C-c
live_end
if [ "$rc" = 130 ] && [ -d "$trace" ] &&
   grep -q '^discarded events: ' "$tmp/live.out" &&
   "$muxview" --check "$trace" >"$tmp/check2.out" 2>&1; then
	pass "live: Ctrl-C keeps the trace (checked) and prints its directory"
else
	fail "live: Ctrl-C: exit '$rc', last line '$trace', check: $(tail -n 1 "$tmp/check2.out" 2>/dev/null)"
	sed 's/^/    /' "$tmp/live.err" | tail -5
fi
exit $((nfail > 0))
