#!/usr/bin/env bash
# leak_shutdown.sh - a run under load shuts down cleanly: exit status 0,
# which includes muxlab's leak check (every task, tasklet, connection and
# stream freed; "leak: ..." and status 3 otherwise), and stops on SIGINT
# and SIGTERM as well as at the end of its duration.
# timeout: 180
. "$(dirname "$0")/common.bash"
need_muxlab leak_shutdown

# private copies of the scenarios on free ports
for s in default steal-storm; do
	remap_ports "$top/lab/scenarios/$s.cfg" "$tmp/$s.cfg"
done

# run_ok NAME ARGS...: muxlab ARGS must exit 0 without "leak:"
run_ok() {
	local name=$1 log=$tmp/$1.log rc
	shift
	timeout -k 5 60 "$muxlab" "$@" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -q '^leak:' "$log"; then
		pass "$name: exit 0, no leak ($(grep -m1 -E '^requests_ok' "$log"))"
	else
		fail "$name: exit $rc: $(grep -E 'leak|error|failed|BUG' "$log" | head -3 | tr '\n' ' ')"
		sed 's/^/    /' "$log" | tail -20
	fi
}

run_ok default-usr1 -f "$tmp/default.cfg" --duration 2
run_ok default-legacy -f "$tmp/default.cfg" --duration 2 --mode legacy
run_ok steal-storm -f "$tmp/steal-storm.cfg" --duration 2

# requests really went through: the activity report counts them
if grep -qE '^requests_ok [1-9]' "$tmp/default-usr1.log"; then
	pass "default-usr1: requests served"
else
	fail "default-usr1: no requests_ok > 0 in the activity report"
fi

# signals: a run without end stops on SIGINT / SIGTERM, cleanly
for sig in INT TERM; do
	log=$tmp/sig-$sig.log
	"$muxlab" -f "$tmp/default.cfg" --duration 600 \
		>"$log" 2>&1 &
	pid=$!
	on_exit "kill -KILL $pid 2>/dev/null"
	sleep 2
	t0=$(date +%s%N)
	stop_pid $pid $sig
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$stopped_rc" = 0 ] && ! grep -q '^leak:' "$log" && [ $ms -lt 8000 ]; then
		pass "SIG$sig: clean stop in $ms ms"
	else
		fail "SIG$sig: exit $stopped_rc after $ms ms: $(grep -E 'leak|fail' "$log" | head -3 | tr '\n' ' ')"
		tail -20 "$log" | sed 's/^/    /'
	fi
done
exit $((nfail > 0))
